# SPDX-License-Identifier: GPL-3.0-or-later
"""Is the 2x upscaler run twice (512 px) better than bicubic? PSNR on white at 512 px of held-out
emoji and icons rendered at 512 px (480 px box, the sr_data framing doubled), from the pack's
real 128 px pictures and from the shipped decoder's reconstructions (runs/sr/recon128.npy).

  cd training && /usr/bin/python3 eval/results/upscale-twice-2026-11-28/twice.py 120
"""
import sys, numpy as np, torch, torch.nn.functional as F, json, time
sys.path.insert(0, '.')
from gft.dataset import load_pack
from gft import sr_data
from gft.upscaler import load, clamp_premul
from gft.train_upscaler import premul_nchw, psnr_on_white
torch.set_num_threads(2)
images, items, split = load_pack(None)
t = np.load('runs/sr/targets256.npz')
rows = t['rows']
recon = np.load('runs/sr/recon128.npy', mmap_mode='r')
held = np.nonzero(split[rows] == 1)[0]
pick = held[np.random.default_rng(5).permutation(len(held))[:int(sys.argv[1])]]
pick.sort()
svg_dir = 'data/cache/svg'
big512, keep = [], []
for i in pick:
    r = rows[i]
    try:
        b = sr_data.render(sr_data.svg_path(svg_dir, items[r]['id']), 512, 480)
    except Exception as e:
        continue
    if sr_data.match_db(b, t['images'][i]) < 30: continue
    big512.append(b); keep.append(i)
keep = np.array(keep)
print(len(keep), 'targets', flush=True)
target = premul_nchw(np.stack(big512))
m = load('runs/sr/upscaler.pt')
res = {}
with torch.inference_mode():
  for name, x in (('recon', torch.from_numpy(np.stack([recon[i] for i in keep])).float()),
                  ('real', premul_nchw(images[rows[keep]]))):
    up1 = clamp_premul(m(x))
    outs = {'bicubic4x': F.interpolate(x, scale_factor=4, mode='bicubic', align_corners=False),
            'bilinear4x': F.interpolate(x, scale_factor=4, mode='bilinear', align_corners=False),
            'up_then_bicubic': F.interpolate(up1, scale_factor=2, mode='bicubic', align_corners=False),
            'up_twice': m(up1)}
    for k, y in outs.items():
        res[name + '/' + k] = round(psnr_on_white(clamp_premul(y), target), 3)
print(json.dumps(res, indent=1))
