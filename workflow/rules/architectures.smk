# A figure of every architecture's layer stack, drawn from the same recipes the models are built from.


rule figure_architectures:
    output:
        pdf=FIGURE("architectures", "pdf"),
        png=report(
            FIGURE("architectures", "png"),
            caption="../report/architectures.rst",
            category="Architectures",
            labels={"figure": "layer stacks"},
        ),
    log:
        LOG("figures/architectures"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        models={name: SUITE.model_settings(name) for name in SUITE.models()},
        code=figure_code_version(),
    script:
        "../../scripts/figure_architectures.py"
