# Which algorithm does each model run? Its predictions and each baseline's on the first prompts of
# the evaluation set, and their distances per k (suite key `prediction_distances`; hybrid_icl.distances).
DISTANCE_PROMPTS = (config.get("prediction_distances") or {}).get("n_prompts")
DISTANCE_TARGETS = (
    [
        path
        for task in SUITE.tasks()
        for path in (
            PATH("closest_baselines", task=task, ext="md"),
            FIGURE("distances_{task}", "pdf", task=task),
        )
    ]
    if DISTANCE_PROMPTS
    else []
)


rule predict:
    input:
        model=rules.train.output.model,
        prompts=rules.eval_set.output[0],
    output:
        PATH("predictions"),
    log:
        LOG("predict/{task}/{model}/s{seed}"),
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
        PATH("baseline_predictions"),
    log:
        LOG("baseline_predictions/{task}/s{seed}"),
    conda:
        CONDA_ENV
    threads: baseline_resource("threads")
    resources:  # as the baselines job: the same fits on fewer prompts
        mem_mb=baseline_resource("mem_mb"),
        runtime=baseline_resource("runtime_min"),
    params:
        task=task_settings,
        baselines=lambda wc: SUITE.baselines(wc.task),
        n_prompts=DISTANCE_PROMPTS,
    script:
        "../../scripts/predict_baselines.py"


rule prediction_distances:
    input:
        models=run_files("predictions"),
        baselines=lambda wc: [
            PATH("baseline_predictions", task=wc.task, seed=s)
            for s in SUITE.seeds_of(wc.task)
        ],
    output:
        distances=PATH("distances"),
        closest=PATH("closest_baselines", ext="csv"),
        markdown=PATH("closest_baselines", ext="md"),
        pdf=FIGURE("distances_{task}", "pdf"),
        png=report(
            FIGURE("distances_{task}", "png"),
            caption="../report/distances.rst",
            category="Prediction distances",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "distance to baselines"},
        ),
    log:
        LOG("prediction_distances/{task}"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        task=task_settings,
        runs=lambda wc: [(m, s) for _, m, s in SUITE.runs_of(wc.task)],
        seeds=lambda wc: SUITE.seeds_of(wc.task),
        models=SUITE.models(),
    script:
        "../../scripts/prediction_distances.py"
