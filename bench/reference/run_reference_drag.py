#!/usr/bin/python3
"""Times the official DragGAN drag loop (viz/renderer.py) on the stylegan2-tiny-256 fixture.

This script contains no DragGAN code. It imports the official modules from a checkout given by
--draggan-root and drives them the way the official Gradio app (visualizer_drag_gradio.py) does:

    renderer = Renderer(disable_timing=True)
    renderer.init_network(res, pkl, w0_seed, w_load=None, w_plus=True, 'const', trunc_psi, None, None, lr)
    loop: renderer._render_drag_impl(res, points, targets, mask, ..., is_drag=True)

Renderer.render() (the path of the desktop GUI) is that same init_network + _render_drag_impl plus
CUDA-event timing, a pinned-memory copy and a watermark; pinned memory needs CUDA, so on a CPU-only
torch render() cannot run and the driver calls the two methods it wraps.

For each drag case in the fixture's drag_reference.json it:
  1. checks that init_network's w+ equals the fixture's seed42_ws.npy,
  2. runs a throw-away warm-up drag of --warmup steps (instrumenting the custom ops to record
     whether their CUDA plugin or their reference path runs),
  3. re-initialises the latent and optimizer (init_network again; the network stays cached) and
     times drags of --steps steps, one _render_drag_impl call per step, until --repeats of them ran
     while no other process used the CPU (at most --max-runs drags), comparing the tracked points
     of every step with the fixture's trajectory and the final ws with final_ws.

Run with Debian's python (torch 1.13 CPU, numpy): /usr/bin/python3 bench/reference/run_reference_drag.py --help
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import types
import warnings


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--draggan-root', required=True, help='checkout of github.com/XingangPan/DragGAN')
    p.add_argument('--fixture-dir', default=None,
                   help='folder with stylegan2-tiny-256.pkl and drag_reference.json '
                        '(default: <repo>/../shared/fixtures/stylegan2-tiny-256)')
    p.add_argument('--case', action='append', default=None,
                   help='drag case name from drag_reference.json (repeatable; default: all cases)')
    p.add_argument('--threads', type=int, default=2, help='torch.set_num_threads (default 2)')
    p.add_argument('--warmup', type=int, default=3, help='untimed warm-up steps before the timed drags')
    p.add_argument('--steps', type=int, default=None, help='timed steps per drag (default: the case\'s steps)')
    p.add_argument('--repeats', type=int, default=3, help='clean timed drags wanted per case (default 3)')
    p.add_argument('--max-runs', type=int, default=20,
                   help='give up collecting clean drags after this many timed drags per case (default 20)')
    p.add_argument('--clean-threshold', type=float, default=0.1,
                   help='a timed drag is clean when all other processes together used at most this many '
                        'CPU cores during it (from /proc/stat; default 0.1)')
    p.add_argument('--check-steps', type=int, default=10,
                   help='the first N steps must track exactly the fixture\'s points (default 10)')
    p.add_argument('--draggan-commit', default=None,
                   help='commit of the checkout, recorded in the output (default: git rev-parse HEAD in the root)')
    p.add_argument('--out', default=None, help='also write the JSON here')
    return p.parse_args()


def cpu_model():
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith('Model name:'):
                return line.split(':', 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or 'unknown'


def cpuinfo_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return None


def machine_busy_s():
    """Seconds of CPU time spent by the whole machine (all cores, all processes), from /proc/stat."""
    with open('/proc/stat') as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf('SC_CLK_TCK')


def own_cpu_s():
    t = os.times()
    return t.user + t.system


def import_reference(root):
    """Imports the official renderer from `root`. Returns (renderer module, notes)."""
    notes = {}
    root = os.path.abspath(root)
    sys.path.insert(0, root)
    # viz/renderer.py imports matplotlib.cm at module level for its colormap helper
    # (_apply_cmap), which the drag path never calls. If matplotlib is not installed, an empty
    # stand-in module lets the import succeed; it is recorded in the output.
    try:
        import matplotlib.cm  # noqa: F401
        notes['matplotlib'] = 'installed'
    except ImportError:
        mpl = types.ModuleType('matplotlib')
        mpl.cm = types.ModuleType('matplotlib.cm')
        sys.modules['matplotlib'] = mpl
        sys.modules['matplotlib.cm'] = mpl.cm
        notes['matplotlib'] = 'not installed: empty stand-in module (only used by Renderer._apply_cmap, not by the drag)'
    from viz import renderer as ref_renderer
    notes['renderer_file'] = os.path.abspath(ref_renderer.__file__)
    try:
        notes['draggan_commit'] = subprocess.run(['git', '-C', root, 'rev-parse', 'HEAD'], capture_output=True,
                                                 text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        notes['draggan_commit'] = None
    # Content hashes identify the code even where the checkout is not a git work tree.
    for rel in ('viz/renderer.py', 'training/networks_stylegan2.py', 'legacy.py', 'torch_utils/ops/bias_act.py',
                'torch_utils/ops/upfirdn2d.py', 'torch_utils/ops/conv2d_resample.py'):
        with open(os.path.join(root, rel), 'rb') as f:
            notes.setdefault('sha256', {})[rel] = hashlib.sha256(f.read()).hexdigest()
    return ref_renderer, notes


class OpCounter:
    """Counts which implementation the reference's custom ops take (CUDA plugin or reference path)."""

    def __init__(self):
        from torch_utils.ops import bias_act, upfirdn2d, filtered_lrelu
        self.mods = {'bias_act': bias_act, 'upfirdn2d': upfirdn2d, 'filtered_lrelu': filtered_lrelu}
        self.targets = {
            'bias_act': ['_bias_act_ref', '_bias_act_cuda', '_init'],
            'upfirdn2d': ['_upfirdn2d_ref', '_upfirdn2d_cuda', '_init'],
            'filtered_lrelu': ['_filtered_lrelu_ref', '_filtered_lrelu_cuda', '_init'],
        }
        self.counts = {m: {f: 0 for f in fs} for m, fs in self.targets.items()}
        self.saved = []

    def install(self):
        for m, fs in self.targets.items():
            mod = self.mods[m]
            for f in fs:
                orig = getattr(mod, f)
                self.saved.append((mod, f, orig))

                def wrapper(*a, __orig=orig, __m=m, __f=f, **k):
                    self.counts[__m][__f] += 1
                    return __orig(*a, **k)
                setattr(mod, f, wrapper)

    def remove(self):
        for mod, f, orig in self.saved:
            setattr(mod, f, orig)
        self.saved = []

    def report(self):
        out = {}
        for m, c in self.counts.items():
            mod = self.mods[m]
            ref = c[self.targets[m][0]]
            cuda = c[self.targets[m][1]]
            out[m] = {
                'plugin_compiled': getattr(mod, '_plugin', None) is not None,
                'plugin_init_calls': c['_init'],
                'reference_path_calls_in_one_step': ref,
                'cuda_path_calls_in_one_step': cuda,
                'path': 'unused' if ref + cuda == 0 else ('cuda plugin' if cuda and not ref else
                                                          'reference (pure PyTorch)' if ref and not cuda else 'mixed'),
            }
        return out


def main():
    args = parse_args()
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    fixture_dir = os.path.abspath(args.fixture_dir or os.path.join(repo, '..', 'shared', 'fixtures', 'stylegan2-tiny-256'))
    pkl = os.path.join(fixture_dir, 'stylegan2-tiny-256.pkl')
    with open(os.path.join(fixture_dir, 'drag_reference.json')) as f:
        ref = json.load(f)

    ref_renderer, notes = import_reference(args.draggan_root)
    if args.draggan_commit:
        notes['draggan_commit'] = args.draggan_commit
    import dnnlib

    # The official renderer's own warnings (meshgrid indexing, interpolate align_corners) are
    # emitted once; keep them off the JSON output.
    warnings.filterwarnings('ignore', category=UserWarning)

    t0 = time.perf_counter()
    r = ref_renderer.Renderer(disable_timing=True)
    assert r._device.type == 'cpu', f'expected a CPU-only torch, renderer picked {r._device}'
    seed, psi, lr = ref['seed'], ref['psi'], 0.001

    def init(res):
        # Exactly the call of visualizer_drag_gradio.py init_images(): positional
        # (res, pkl, w0_seed, w_load, w_plus, noise_mode, trunc_psi, trunc_cutoff, input_transform, lr)
        r.init_network(res, pkl, seed, None, True, 'const', psi, None, None, lr)

    res = dnnlib.EasyDict()
    init(res)
    load_s = time.perf_counter() - t0
    G = r.G
    ws_fixture = np.load(os.path.join(fixture_dir, 'seed42_ws.npy'))
    w_init_maxdiff = float(np.abs(r.w.detach().cpu().numpy() - ws_fixture).max())

    def step(res, points, targets):
        # The per-step call of visualizer_drag_gradio.py on_click_start() with the fixture's
        # parameters: no mask (the GUI's all-ones / all-zeros masks are ignored the same way),
        # reg 0, feature_idx 5 (block b128), r1 3, r2 12 (the renderer scales both by h/512).
        r._render_drag_impl(res, points, targets, None, 10, reg=0, feature_idx=5, r1=3, r2=12,
                            trunc_psi=psi, is_drag=True, to_pil=False)

    load_before = os.getloadavg()
    cases = args.case or list(ref['cases'].keys())
    out_cases = {}
    op_report = None
    for name in cases:
        case = ref['cases'][name]
        n_steps = args.steps or case['steps']

        # Warm-up drag (untimed); instrument the custom ops on its first step only.
        res = dnnlib.EasyDict()
        init(res)
        points = [list(p) for p in case['points']]
        for k in range(args.warmup):
            if op_report is None and k == 0:
                counter = OpCounter()
                counter.install()
                try:
                    step(res, points, case['targets'])
                finally:
                    counter.remove()
                op_report = counter.report()
            else:
                step(res, points, case['targets'])

        runs = []
        while sum(run['clean'] for run in runs) < args.repeats and len(runs) < args.max_runs:
            res = dnnlib.EasyDict()
            init(res)  # fresh w = w0, fresh Adam; the next step re-takes the feature references
            points = [list(p) for p in case['points']]
            traj, times, stopped_at = [], [], None
            busy0, own0 = machine_busy_s(), own_cpu_s()
            t_start = time.perf_counter()
            for k in range(n_steps):
                ts = time.perf_counter()
                step(res, points, case['targets'])
                times.append(time.perf_counter() - ts)
                traj.append([[int(v) for v in p] for p in res.points])
                if res.stop:  # the GUI stops dragging when the renderer reports stop
                    stopped_at = k
                    break
            total = time.perf_counter() - t_start
            own = own_cpu_s() - own0
            others = max(0.0, (machine_busy_s() - busy0) - own) / total
            ws_after = torch.cat([r.w[:, :6, :], r.w0[:, 6:, :]], dim=1).detach().cpu().numpy()
            ws_last_forward = np.asarray(res.w)
            ref_traj = case['trajectory']
            n_cmp = min(len(traj), len(ref_traj))
            mismatches = [k for k in range(n_cmp) if traj[k] != ref_traj[k]]
            final_ref = np.asarray(case['final_ws'], dtype=np.float32)
            runs.append({
                'steps': len(times),
                'total_s': total,
                'steps_per_s': len(times) / total,
                'ms_per_step_median': 1000 * statistics.median(times),
                'ms_per_step_mean': 1000 * statistics.fmean(times),
                'ms_per_step_min': 1000 * min(times),
                'ms_per_step_max': 1000 * max(times),
                # CPU cores' worth of time used by this process / by every other process during the drag
                'own_cores': own / total,
                'other_cores': others,
                'clean': others <= args.clean_threshold,
                'ms_per_step': [round(1000 * t, 2) for t in times],
                'stopped_at': stopped_at,
                'final_points': traj[-1],
                'trajectory': traj,
                'trajectory_first_mismatch_step': mismatches[0] if mismatches else None,
                'trajectory_steps_matching': n_cmp - len(mismatches),
                'trajectory_steps_compared': n_cmp,
                'first_steps_match': all(k >= args.check_steps for k in mismatches),
                'final_ws_maxabs_vs_fixture_after_last_update': float(np.abs(ws_after - final_ref).max()),
                'final_ws_maxabs_vs_fixture_last_forward': float(np.abs(ws_last_forward - final_ref).max()),
            })
            print(f'{name} run {len(runs)}: {runs[-1]["steps_per_s"]:.3f} steps/s, median '
                  f'{runs[-1]["ms_per_step_median"]:.1f} ms/step, other processes {others:.2f} cores', file=sys.stderr)

        clean = [run for run in runs if run['clean']]
        used = clean or runs
        pooled = sorted(t for run in used for t in run['ms_per_step'])
        out_cases[name] = {
            'points': case['points'],
            'targets': case['targets'],
            'timed_steps_per_drag': n_steps,
            # the summary uses the clean runs (other processes <= clean_threshold cores) when there are any
            'runs_total': len(runs),
            'runs_clean': len(clean),
            'summary_over': 'clean runs' if clean else 'ALL runs (none was clean: the machine was busy)',
            'steps_per_s': statistics.median(run['steps_per_s'] for run in used),
            'ms_per_step_median': statistics.median(pooled),
            'steps_per_s_from_median_step': 1000 / statistics.median(pooled),
            'ms_per_step_min': pooled[0],
            'steps_per_s_best_run': max(run['steps_per_s'] for run in used),
            'final_points': runs[0]['final_points'],
            'fixture_final_points': case['trajectory'][-1],
            'fixture_stopped_at': case['stopped_at'],
            'first_steps_match_fixture': all(run['first_steps_match'] for run in runs),
            'whole_trajectory_matches_fixture': all(run['trajectory_first_mismatch_step'] is None for run in runs),
            'check_steps': args.check_steps,
            'all_runs_identical_trajectory': all(run['trajectory'] == runs[0]['trajectory'] for run in runs),
            'fixture_reference_seconds': case.get('seconds'),
            'runs': runs,
        }

    result = {
        'what': 'official DragGAN drag loop (viz/renderer.py Renderer._render_drag_impl, is_drag=True), '
                'one call per step, on the stylegan2-tiny-256 fixture (256x256)',
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'machine': {
            'nproc': os.cpu_count(),
            'nproc_cmd': subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip(),
            'lscpu_model_name': cpu_model(),
            'proc_cpuinfo_model_name': cpuinfo_model(),
            'platform': platform.platform(),
            'loadavg_before': load_before,
            'loadavg_after': os.getloadavg(),
        },
        'python': sys.version.split()[0],
        'python_executable': sys.executable,
        'torch': torch.__version__,
        'numpy': np.__version__,
        'torch_num_threads': torch.get_num_threads(),
        'torch_num_interop_threads': torch.get_num_interop_threads(),
        'threads_requested': args.threads,
        'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS'),
        'device': str(r._device),
        'renderer_dtype_for_z': str(r._dtype),
        'reference': notes,
        'code_path': 'Renderer(disable_timing=True); Renderer.init_network(res, pkl, 42, None, True, "const", 0.7, '
                     'None, None, 0.001); per step Renderer._render_drag_impl(res, points, targets, None, 10, reg=0, '
                     'feature_idx=5, r1=3, r2=12, trunc_psi=0.7, is_drag=True, to_pil=False) '
                     '(as visualizer_drag_gradio.py does)',
        'generator_class': ' <- '.join(f'{c.__module__}.{c.__qualname__}' for c in type(G).__mro__[:2]),
        'generator_training_mode': G.training,
        'generator_params_require_grad': any(p.requires_grad for p in G.parameters()),
        'custom_ops': op_report,
        'load_and_init_s': load_s,
        'w_init_maxabs_vs_seed42_ws': w_init_maxdiff,
        'fixture': {'dir': fixture_dir, 'seed': seed, 'psi': psi, 'resolution': ref['resolution'],
                    'fixture_torch': ref.get('torch')},
        'timing': {'clock': 'time.perf_counter around each _render_drag_impl call; steps_per_s = steps / wall time '
                             'of the whole timed drag', 'clean_threshold_cores': args.clean_threshold,
                   'repeats_wanted': args.repeats, 'max_runs': args.max_runs},
        'params': {'lr': lr, 'w_plus': True, 'optimised_layers': '0..5 of 14', 'feature_idx': 5, 'r1': 3, 'r2': 12,
                   'mask': None, 'reg': 0, 'noise_mode': 'const', 'warmup_steps': args.warmup},
        'cases': out_cases,
    }
    text = json.dumps(result, indent=1)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    main()
