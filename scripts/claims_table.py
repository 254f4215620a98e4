"""Rule claims: the suite's claims table (CSV, Markdown, HTML) from its runs' and baselines' errors."""

from hybrid_icl.claims import Claim, evaluate_claims, task_data, write_claims_tables
from hybrid_icl.jobs import job_log
from hybrid_icl.tables import read_tables

sm = snakemake  # noqa: F821 - injected by Snakemake
with job_log(sm.log[0]):
    claims = [Claim.from_entry(claim_id, entry) for claim_id, entry in sm.params.claims.items()]
    tasks = task_data(
        read_tables(sm.input.models),
        read_tables(sm.input.baselines),
        dict(sm.params.references),
        dict(sm.params.tasks),
    )
    table = evaluate_claims(claims, tasks, sm.params.suite, sm.params.bootstrap, sm.params.confidence)
    write_claims_tables(table, sm.output.csv, sm.output.markdown, sm.output.html, sm.params.confidence)
    print(table[["claim", "task", "model", "measurement", "verdict"]].to_string(index=False))
