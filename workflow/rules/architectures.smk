# A figure of every architecture's layer stack, drawn from the same recipes the models are built from.


rule figure_architectures:
    output:
        pdf=out("figures/architectures.pdf"),
        png=report(
            out("figures/architectures.png"),
            caption="../report/architectures.rst",
            category="Architectures",
            labels={"figure": "layer stacks"},
        ),
    log:
        out("logs/figures/architectures.log"),
    localrule: True
    conda:
        CONDA_ENV
    params:
        models={name: model_settings(config, name) for name in config["models"]},
        code=CODE_VERSION,
    script:
        "../../scripts/figure_architectures.py"
