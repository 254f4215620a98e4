# The findings of the paper a suite is checked against (its `claims:` file), decided from the
# errors of its runs and baselines: tables/claims.{csv,md,html} (hybrid_icl.claims, docs/claims.md).
from hybrid_icl.claims import claimed_tasks

CLAIMS = SUITE.claims()
CLAIM_TASKS = claimed_tasks(CLAIMS, config["tasks"], SUITE.tasks())
CLAIMS_TABLE = SUITE.claims_table()
CLAIMS_TARGETS = SUITE.summary_targets()["claims"]


rule claims:
    input:
        models=[
            PATH("errors", task=t, model=m, seed=s)
            for task in CLAIM_TASKS
            for t, m, s in SUITE.runs_of(task)
        ],
        baselines=[
            PATH("baselines", task=task, seed=s)
            for task in CLAIM_TASKS
            for s in SUITE.seeds_of(task)
        ],
    output:
        csv=CLAIMS_TABLE["csv"],
        markdown=CLAIMS_TABLE["md"],
        html=report(
            CLAIMS_TABLE["html"],
            caption="../report/claims.rst",
            category="Claims",
            labels={"table": "claims"},
        ),
    log:
        LOG("claims"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        claims=CLAIMS,
        references={task: SUITE.reference(task) for task in CLAIM_TASKS},
        tasks={task: SUITE.task_settings(task) for task in CLAIM_TASKS},
        suite={"tasks": config["tasks"], "models": config["models"]},
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/claims_table.py"
