"""Records Gymnasium CartPole-v1 trajectories for fixed action sequences (the oracle for Kestrel's CartPole).

Episode "controller": reset(seed=0), actions from a simple balancing rule (recorded), until TimeLimit truncates
at 500 steps. Episode "pattern": reset(seed=1), the action pattern (i*7//3) % 2 until the pole falls.
Stores the initial state (float64) and each step's action, observation (float32 values), reward, terminated,
truncated. Run: .venv-ref/bin/python Tests/Fixtures/make_cartpole_fixture.py  (gymnasium 1.4.0)
"""
import json
import os

import gymnasium as gym

out = os.path.join(os.path.dirname(__file__), "..", "EnvironmentsTests", "Fixtures", "cartpole_gymnasium.json")
episodes = []
for name, seed in (("controller", 0), ("pattern", 1)):
    env = gym.make("CartPole-v1")
    obs, _ = env.reset(seed=seed)
    state0 = [float(v) for v in env.unwrapped.state]
    steps = []
    for i in range(600):
        if name == "controller":
            a = 1 if obs[2] + 0.5 * obs[3] + 0.05 * obs[0] + 0.1 * obs[1] > 0 else 0
        else:
            a = (i * 7 // 3) % 2
        obs, r, term, trunc, _ = env.step(a)
        steps.append({"action": a, "obs": [float(v) for v in obs], "reward": float(r), "terminated": bool(term),
                      "truncated": bool(trunc)})
        if term or trunc:
            break
    episodes.append({"name": name, "seed": seed, "initial_state": state0, "steps": steps})
    print(name, len(steps), steps[-1]["terminated"], steps[-1]["truncated"])
with open(out, "w") as f:
    json.dump({"gymnasium": gym.__version__, "episodes": episodes}, f)
