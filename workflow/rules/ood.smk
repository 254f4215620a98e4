# Out-of-distribution evaluation: models trained on one task, scored on another task's prompts or
# on shifted prompts (Garg et al.'s skewed covariance, scaled x, noisy y, orthogonal query, longer
# contexts). Baselines are refitted on exactly the same prompts. Which task scores an entry, and
# against which reference: hybrid_icl.suite.Suite.ood_*.


rule ood_eval_set:
    output:
        PATH("ood_eval_set"),
    log:
        LOG("ood/{ood}/s{seed}_eval_set"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        entry=lambda wc: SUITE.ood_entry(wc.ood),
        tasks=lambda wc: SUITE.ood_tasks(wc.ood),
        n_prompts=EVAL["n_prompts"],
    script:
        "../../scripts/make_ood_set.py"


rule ood_baselines:
    input:
        prompts=rules.ood_eval_set.output[0],
    output:
        PATH("ood_baselines"),
    log:
        LOG("ood/{ood}/s{seed}_baselines"),
    conda:
        CONDA_ENV
    params:
        task=lambda wc: SUITE.ood_task_settings(wc.ood),
        baselines=lambda wc: SUITE.ood_baselines(wc.ood),
        scored=lambda wc: SUITE.ood_scored(wc.ood),
    script:
        "../../scripts/run_baselines.py"


rule ood_evaluate:
    input:
        model=lambda wc: PATH("model", task=SUITE.ood_train_task(wc.ood)),
        prompts=rules.ood_eval_set.output[0],
    output:
        PATH("ood_errors"),
    log:
        LOG("ood/{ood}/{model}_s{seed}"),
    conda:
        CONDA_ENV
    params:
        task=lambda wc: SUITE.ood_task_settings(wc.ood),
        scored=lambda wc: SUITE.ood_scored(wc.ood),
        batch_size=EVAL["batch_size"],
    script:
        "../../scripts/evaluate_model.py"


rule ood_score:
    input:
        models=[
            PATH("ood_errors", ood=o, model=m, seed=s) for o, m, s in SUITE.ood_runs()
        ],
        baselines=[PATH("ood_baselines", ood=o, seed=s) for o, s in SUITE.ood_seeds()],
    output:
        curves=PATH("ood_curves"),
        scores=PATH("ood_scores", ext="csv"),
        markdown=PATH("ood_scores", ext="md"),
        latex=PATH("ood_scores", ext="tex"),
    log:
        LOG("ood_score"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        references=SUITE.ood_references(),
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/score.py"


rule figure_ood:
    input:
        curves=rules.ood_score.output.curves,
        scores=rules.ood_score.output.scores,
    output:
        pdf=FIGURE("ood", "pdf"),
        png=report(
            FIGURE("ood", "png"),
            caption="../report/ood.rst",
            category="Out-of-distribution",
            labels={"figure": "OOD panels"},
        ),
    log:
        LOG("figures/ood"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        panels=SUITE.ood_panels(),
        models=SUITE.models(),
    script:
        "../../scripts/figure_ood.py"
