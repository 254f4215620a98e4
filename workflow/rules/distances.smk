# Which algorithm does each model run? Its predictions and each baseline's on the first prompts of
# the evaluation set, and their distances per k (suite key `prediction_distances`; hybrid_icl.distances).
DISTANCE_PROMPTS = (config.get("prediction_distances") or {}).get("n_prompts")
DISTANCE_TARGETS = (
    expand(
        [
            out("tables/by_task/{task}/closest_baselines.md"),
            out("figures/distances_{task}.pdf"),
        ],
        task=tasks_in_use(),
    )
    if DISTANCE_PROMPTS
    else []
)


rule predict:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        out(RUN, "predictions.npz"),
    log:
        out("logs/predict/{task}/{model}/s{seed}.log"),
    conda:
        CONDA_ENV
    threads: 1
    params:
        n_prompts=DISTANCE_PROMPTS,
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/predict_model.py"


rule baseline_predictions:
    input:
        prompts=rules.eval_set.output[0],
    output:
        out("baselines/{task}/s{seed}/predictions.npz"),
    log:
        out("logs/baseline_predictions/{task}/s{seed}.log"),
    conda:
        CONDA_ENV
    threads: 1
    params:
        task=lambda wildcards: task_settings(config, wildcards.task),
        baselines=lambda wildcards: baseline_specs(wildcards.task),
        n_prompts=DISTANCE_PROMPTS,
    script:
        "../../scripts/predict_baselines.py"


rule prediction_distances:
    input:
        models=lambda wildcards: [
            run_file(t, m, s, "predictions.npz") for t, m, s in runs_of(wildcards.task)
        ],
        baselines=lambda wildcards: [
            out(f"baselines/{wildcards.task}/s{s}/predictions.npz")
            for s in seeds_of(wildcards.task)
        ],
    output:
        distances=out("tables/by_task/{task}/distances.csv"),
        closest=out("tables/by_task/{task}/closest_baselines.csv"),
        markdown=out("tables/by_task/{task}/closest_baselines.md"),
        pdf=out("figures/distances_{task}.pdf"),
        png=report(
            out("figures/distances_{task}.png"),
            caption="../report/distances.rst",
            category="Prediction distances",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "distance to baselines"},
        ),
    log:
        out("logs/prediction_distances/{task}.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        task=lambda wildcards: task_settings(config, wildcards.task),
        runs=lambda wildcards: [(m, s) for _, m, s in runs_of(wildcards.task)],
        seeds=lambda wildcards: seeds_of(wildcards.task),
        models=list(config["models"]),
    script:
        "../../scripts/prediction_distances.py"
