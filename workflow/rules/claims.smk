# The findings of the paper a suite is checked against (its `claims:` file), decided from the
# errors of its runs and baselines: tables/claims.{csv,md,html} (hybrid_icl.claims, docs/claims.md).
from hybrid_icl.claims import claimed_tasks, read_claims_file

CLAIMS = read_claims_file(config["claims"]) if config.get("claims") else {}
CLAIM_TASKS = claimed_tasks(CLAIMS, config["tasks"], tasks_in_use())
CLAIMS_TABLE = {ext: out(f"tables/claims.{ext}") for ext in ("csv", "md", "html")}
CLAIMS_TARGETS = list(CLAIMS_TABLE.values()) if CLAIMS else []


rule claims:
    input:
        models=[
            run_file(t, m, s, "errors.parquet")
            for task in CLAIM_TASKS
            for t, m, s in runs_of(task)
        ],
        baselines=[
            out(f"baselines/{task}/s{s}/errors.parquet")
            for task in CLAIM_TASKS
            for s in seeds_of(task)
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
        out("logs/claims.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        claims=CLAIMS,
        references={task: reference_of(task) for task in CLAIM_TASKS},
        tasks={task: task_settings(config, task) for task in CLAIM_TASKS},
        suite={"tasks": config["tasks"], "models": config["models"]},
        bootstrap=EVAL["bootstrap"],
        confidence=EVAL["confidence"],
    script:
        "../../scripts/claims_table.py"
