"""W8: DQN update speed (torch, batch 64, update only) and CartPole-v1 environment steps/s (gymnasium).

Q and target networks: Linear(4,128) ReLU Linear(128,128) ReLU Linear(128,2); an update: Q(s) gathered at a,
y = r + 0.99 (1 − done) max Q_target(s') without gradients, Huber loss, Adam 1e-3; 16 pre-built batches cycled,
one repetition = 200 updates. Environment: gymnasium.make("CartPole-v1") and its unwrapped CartPoleEnv, random
actions (action space seeded 0), reset on termination or truncation inside the loop; one repetition = 20,000 steps.
"""
import copy
import gymnasium
import torch
import torch.nn as nn
import torch.nn.functional as F
from common import Reporter, arguments, limit_threads, seconds

args = arguments(__doc__)
with limit_threads(args.threads):
    rep = Reporter("W8 DQN", args)
    torch.manual_seed(0)
    q = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
    target = copy.deepcopy(q)
    opt = torch.optim.Adam(q.parameters(), lr=1e-3)
    batches = [(torch.randn(64, 4), torch.randint(0, 2, (64, 1)), torch.randn(64), torch.randn(64, 4),
                torch.randint(0, 2, (64,)).float()) for _ in range(16)]
    it = [0]

    def updates():
        for _ in range(200):
            s, a, r, s2, done = batches[it[0] % len(batches)]
            it[0] += 1
            qa = q(s).gather(1, a).squeeze(1)
            with torch.no_grad():
                y = r + 0.99 * (1 - done) * target(s2).max(1).values
            loss = F.smooth_l1_loss(qa, y)
            opt.zero_grad()
            loss.backward()
            opt.step()

    rep.rate("torch", "(a) DQN updates/s (batch 64, update only)", "upd/s", 200, seconds(updates, args.reps, args.warmup))
    for name, env in (("gymnasium make()", gymnasium.make("CartPole-v1")),
                      ("gymnasium unwrapped", gymnasium.make("CartPole-v1").unwrapped)):
        env.reset(seed=0)
        env.action_space.seed(0)

        def steps():
            for _ in range(20_000):
                _, _, terminated, truncated, _ = env.step(env.action_space.sample())
                if terminated or truncated:
                    env.reset()

        rep.rate(name, "CartPole-v1 env steps/s (random actions)", "step/s", 20_000, seconds(steps, args.reps, args.warmup))
