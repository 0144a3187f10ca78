#!/usr/bin/env python3
"""The official DragGAN drag step on a GPU, for side-by-side numbers with ours.

Our own driver (no code of the reference): it imports the reference's modules from a checkout
(--draggan-root, XingangPan/DragGAN) and times its renderer's drag step,
Renderer._render_drag_impl(..., is_drag=True), the step its GUI and Gradio app run, on random
weights of the official architecture (channel_base 32768, channel_max 512, fp16 for the top 4
resolutions, conv_clamp 256) at each --resolution: steps/s of one edit, first-frame latency
(init_network plus the first step, which renders the first image) and peak GPU memory.
"""
import argparse
import json
import os
import sys
import time
import warnings


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--draggan-root', required=True)
    p.add_argument('--resolution', type=int, action='append', default=None, help='default: 512 and 1024')
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--steps', type=int, default=30)
    p.add_argument('--repeats', type=int, default=3, help='timed drags per resolution; the median is reported')
    p.add_argument('--out', required=True)
    return p.parse_args()


def main():
    args = parse_args()
    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'reference'))
    from run_reference_drag import import_reference  # the CPU driver's import, with its notes and hashes
    ref_renderer, notes = import_reference(args.draggan_root)
    import dnnlib
    from training.networks_stylegan2 import Generator
    warnings.filterwarnings('ignore', category=UserWarning)
    assert torch.cuda.is_available(), 'this driver measures the reference on a GPU'

    rows = []
    for res in args.resolution or [512, 1024]:
        torch.manual_seed(1)
        G = Generator(z_dim=512, c_dim=0, w_dim=512, img_resolution=res, img_channels=3,
                      mapping_kwargs={'num_layers': 8}, channel_base=32768, channel_max=512,
                      num_fp16_res=4, conv_clamp=256).eval().requires_grad_(False)
        key = f'random-{res}-cb32768'
        handle = [res * 0.5, res * 0.3]   # [row, col], as the renderer takes points
        target = [res * 0.5, res * 0.7]
        rates, first_frames, memories = [], [], []
        for run in range(args.repeats + 1):
            r = ref_renderer.Renderer(disable_timing=True)
            r._pkl_data[key] = {'G_ema': G}  # the renderer's own cache of loaded pickles
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            t0 = time.perf_counter()
            state = dnnlib.EasyDict()
            r.init_network(state, key, 42, None, True, 'const', 0.7, None, None, 0.001)
            points = [list(handle)]

            def step():
                r._render_drag_impl(state, points, [list(target)], None, 10, reg=0, feature_idx=5,
                                    r1=round(3 * res / 512), r2=round(12 * res / 512), trunc_psi=0.7,
                                    is_drag=True, to_pil=False)
                torch.cuda.synchronize()
            step()
            first = time.perf_counter() - t0
            for _ in range(args.warmup):
                step()
            t1 = time.perf_counter()
            for _ in range(args.steps):
                step()
            rate = args.steps / (time.perf_counter() - t1)
            if run > 0:  # the first drag pays for cuDNN's choices and the plugins' compilation
                rates.append(rate)
                first_frames.append(first)
                memories.append(torch.cuda.max_memory_allocated())
            del r
            torch.cuda.empty_cache()
        rows.append({
            'model': key, 'resolution': res, 'steps': args.steps, 'repeats': args.repeats,
            'steps_per_s': sorted(rates)[len(rates) // 2],
            'first_frame_ms': 1000 * sorted(first_frames)[len(first_frames) // 2],
            'peak_gpu_memory_mib': max(memories) / 2**20,
        })
        print(json.dumps(rows[-1]), flush=True)
    doc = {
        'what': 'official DragGAN drag step (viz/renderer.py Renderer._render_drag_impl, is_drag=True), one edit, image every step',
        'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'cuda': torch.version.cuda,
        'cudnn': torch.backends.cudnn.version(), 'notes': notes, 'command': ' '.join(sys.argv), 'results': rows,
    }
    with open(args.out, 'w') as f:
        json.dump(doc, f, indent=2)


if __name__ == '__main__':
    main()
