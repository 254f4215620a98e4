# Out-of-distribution evaluation: models trained on one task, scored on another task's prompts or
# on shifted prompts (Garg et al.'s skewed covariance, scaled x, noisy y, orthogonal query, longer
# contexts). Baselines are refitted on exactly the same prompts.

OOD_DIR = OUT + "/ood/{ood}"


rule ood_eval_set:
    output:
        OOD_DIR + "/s{seed}/eval_set.pt",
    params:
        entry=lambda wildcards: config["ood"][wildcards.ood],
        tasks=lambda wildcards: ood_tasks(wildcards.ood),
        n_prompts=EVAL["n_prompts"],
    log:
        OUT + "/logs/ood/{ood}/s{seed}_eval_set.log",
    script:
        "../../scripts/make_ood_set.py"


rule ood_baselines:
    input:
        prompts=rules.ood_eval_set.output[0],
    output:
        OOD_DIR + "/s{seed}/baselines.parquet",
    params:
        task=lambda wildcards: ood_scoring_task(wildcards.ood),
        baselines=lambda wildcards: ood_baseline_specs(wildcards.ood),
        scored=lambda wildcards: ood_scored(wildcards.ood),
    log:
        OUT + "/logs/ood/{ood}/s{seed}_baselines.log",
    script:
        "../../scripts/run_baselines.py"


rule ood_evaluate:
    input:
        model=lambda wildcards: RUN_DIR.format(
            task=config["ood"][wildcards.ood]["train"], **wildcards
        )
        + "/model.pt",
        prompts=rules.ood_eval_set.output[0],
    output:
        OOD_DIR + "/{model}/s{seed}/errors.parquet",
    params:
        task=lambda wildcards: ood_scoring_task(wildcards.ood),
        scored=lambda wildcards: ood_scored(wildcards.ood),
        batch_size=EVAL["batch_size"],
    log:
        OUT + "/logs/ood/{ood}/{model}_s{seed}.log",
    script:
        "../../scripts/evaluate_model.py"


rule ood_score:
    input:
        models=[
            OOD_DIR.format(ood=o) + f"/{m}/s{s}/errors.parquet" for o, m, s in ood_runs()
        ],
        baselines=[
            OOD_DIR.format(ood=o) + f"/s{s}/baselines.parquet"
            for o in config.get("ood", {})
            for s in seeds_of(config["ood"][o]["train"])
        ],
    output:
        curves=OUT + "/tables/ood_curves.csv",
        scores=OUT + "/tables/ood_scores.csv",
        markdown=OUT + "/tables/ood_scores.md",
        latex=OUT + "/tables/ood_scores.tex",
    params:
        references={o: ood_reference(o) for o in config.get("ood", {})},
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    log:
        OUT + "/logs/ood_score.log",
    script:
        "../../scripts/score.py"


rule figure_ood:
    input:
        curves=rules.ood_score.output.curves,
    output:
        pdf=OUT + "/figures/ood.pdf",
        png=report(
            OUT + "/figures/ood.png",
            caption="../report/ood.rst",
            category="Out-of-distribution",
            labels={"figure": "OOD panels"},
        ),
    params:
        panels={o: ood_metric(o) for o in config.get("ood", {})},
        models=list(config["models"]),
    log:
        OUT + "/logs/figures/ood.log",
    script:
        "../../scripts/figure_ood.py"
