# Out-of-distribution evaluation: models trained on one task, scored on another task's prompts or
# on shifted prompts (Garg et al.'s skewed covariance, scaled x, noisy y, orthogonal query, longer
# contexts). Baselines are refitted on exactly the same prompts.

OOD = "ood/{ood}"  # one OOD evaluation's folder, below OUT


rule ood_eval_set:
    output:
        out(OOD, "s{seed}/eval_set.pt"),
    log:
        out("logs/ood/{ood}/s{seed}_eval_set.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        entry=lambda wildcards: canonical(config["ood"][wildcards.ood]),
        tasks=lambda wildcards: ood_tasks(wildcards.ood),
        n_prompts=EVAL["n_prompts"],
    script:
        "../../scripts/make_ood_set.py"


rule ood_baselines:
    input:
        prompts=rules.ood_eval_set.output[0],
    output:
        out(OOD, "s{seed}/baselines.parquet"),
    log:
        out("logs/ood/{ood}/s{seed}_baselines.log"),
    conda:
        CONDA_ENV
    params:
        task=lambda wildcards: ood_scoring_task(wildcards.ood),
        baselines=lambda wildcards: ood_baseline_specs(wildcards.ood),
        scored=lambda wildcards: ood_scored(wildcards.ood),
    script:
        "../../scripts/run_baselines.py"


rule ood_evaluate:
    input:
        model=lambda wildcards: run_file(
            config["ood"][wildcards.ood]["train"],
            wildcards.model,
            wildcards.seed,
            "model.pt",
        ),
        prompts=rules.ood_eval_set.output[0],
    output:
        out(OOD, "{model}/s{seed}/errors.parquet"),
    log:
        out("logs/ood/{ood}/{model}_s{seed}.log"),
    conda:
        CONDA_ENV
    params:
        task=lambda wildcards: ood_scoring_task(wildcards.ood),
        scored=lambda wildcards: ood_scored(wildcards.ood),
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/evaluate_model.py"


rule ood_score:
    input:
        models=[out(f"ood/{o}/{m}/s{s}/errors.parquet") for o, m, s in ood_runs()],
        baselines=[
            out(f"ood/{o}/s{s}/baselines.parquet")
            for o in config.get("ood", {})
            for s in seeds_of(config["ood"][o]["train"])
        ],
    output:
        curves=out("tables/ood_curves.csv"),
        scores=out("tables/ood_scores.csv"),
        markdown=out("tables/ood_scores.md"),
        latex=out("tables/ood_scores.tex"),
    log:
        out("logs/ood_score.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        references={o: ood_reference(o) for o in config.get("ood", {})},
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/score.py"


rule figure_ood:
    input:
        curves=rules.ood_score.output.curves,
    output:
        pdf=out("figures/ood.pdf"),
        png=report(
            out("figures/ood.png"),
            caption="../report/ood.rst",
            category="Out-of-distribution",
            labels={"figure": "OOD panels"},
        ),
    log:
        out("logs/figures/ood.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        panels={o: ood_metric(o) for o in config.get("ood", {})},
        models=list(config["models"]),
    script:
        "../../scripts/figure_ood.py"
