# In-context learning of function classes by GPT-2, LLaMA, Mamba and their hybrids.
#
#   snakemake --cores all                                # the default suite (config/config.yaml)
#   snakemake --cores 2 --configfile config/smoke.yaml   # a tiny suite (CI)
#   snakemake --report results/report.html               # figures with captions
from snakemake.utils import min_version

min_version("9.0")


# The default suite, unless --configfile names another (whose keys must not mix with these).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/ood.smk"
include: "workflow/rules/progress.smk"
include: "workflow/rules/architectures.smk"
include: "workflow/rules/comparison.smk"
include: "workflow/rules/paper.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/distances.smk"


rule all:
    default_target: True
    input:
        SUITE.final_targets(),
        CLAIMS_TARGETS,
        DISTANCE_TARGETS,
        COMPARISON_TARGETS,
