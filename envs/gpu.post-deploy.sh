#!/usr/bin/env bash
# Run by Snakemake inside the new envs/gpu.yaml environment (--sdm conda), after torch is installed:
# mamba-ssm and causal-conv1d compile against that torch, so no build isolation.
set -euo pipefail
export MAX_JOBS=${MAX_JOBS:-4}
pip install --no-build-isolation causal-conv1d==1.7.0 mamba-ssm==2.3.2.post1
python -c "import mamba_ssm, causal_conv1d, torch; print('mamba-ssm', mamba_ssm.__version__, 'torch', torch.__version__, 'cuda', torch.version.cuda)"
