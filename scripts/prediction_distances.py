"""Rule prediction_distances: distances between each model's and each baseline's predictions on one
task (CSV), the closest baseline per model and k (CSV, Markdown), and their figure."""

from hybrid_icl.atomic import atomic_write_text
from hybrid_icl.config import task_params
from hybrid_icl.distances import closest_baselines, closest_markdown, distance_table, load_predictions
from hybrid_icl.evaluate import write_table
from hybrid_icl.jobs import job_log
from hybrid_icl.plots import distance_figure, save
from hybrid_icl.tasks import make_task

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    task = make_task(sm.params.task["kind"], task_params(sm.params.task))
    models = {}
    for (model, seed), path in zip(sm.params.runs, sm.input.models):
        blob = load_predictions(path)
        if "predictions" in blob:  # a diverged run has none
            models[model, seed] = blob["predictions"]
    baselines = {seed: load_predictions(path) for seed, path in zip(sm.params.seeds, sm.input.baselines)}
    distances = distance_table(sm.wildcards.task, task, models, baselines)
    closest = closest_baselines(distances)
    write_table(distances, sm.output.distances)
    write_table(closest, sm.output.closest)
    atomic_write_text(sm.output.markdown, closest_markdown(closest))
    save(distance_figure(distances, sm.wildcards.task, list(sm.params.models)), sm.output.pdf, sm.output.png)
    print(closest_markdown(closest))
