"""What the cut-passage layout with a fallback would give: answer from cut passages, and when
that is a refusal, ask again over whole passages. Simulated from two runs' results.jsonl (the
same questions, one per layout): a question the cut layout refused takes the whole layout's
answer and costs both runs' time. Where the whole run was a replay (its times are not the
model's), WHOLE_S stands for each fallback's time. Usage:
python fallback_sim.py CUT_RUN WHOLE_RUN [WHOLE_S]   (seventeenth session, latency-and-engine.md)"""

import json
import statistics
import sys


def load(run: str) -> dict:
    with open(f"{run}/results.jsonl", encoding="utf-8") as lines:
        return {r["id"]: r for r in map(json.loads, lines)}


cut, whole = load(sys.argv[1]), load(sys.argv[2])
fixed = float(sys.argv[3]) if len(sys.argv) > 3 else None
ids = [i for i in cut if i in whole]
seconds = {i: (r["latency_ms"].get("total", 0) / 1000) for i, r in cut.items()}
again = {i: fixed if fixed is not None else whole[i]["latency_ms"].get("total", 0) / 1000 for i in ids}
chosen = {i: whole[i] if cut[i]["refused"] else cut[i] for i in ids}
took = [seconds[i] + (again[i] if cut[i]["refused"] else 0) for i in ids]
answerable = [i for i in ids if whole[i].get("answers")]
negatives = [i for i in ids if not whole[i].get("answers")]


def share(rows, key) -> str:
    return f"{sum(bool(r[key]) for r in rows) / max(len(rows), 1):.3f}"


print(f"{len(ids)} questions; the cut layout refused {sum(cut[i]['refused'] for i in ids)}")
for label, rows in (("whole", whole), ("cut", cut), ("cut + fallback", chosen)):
    print(f"{label:>15}: accuracy {share([rows[i] for i in answerable], 'correct')}"
          + (f", negatives refused {share([rows[i] for i in negatives], 'refused')}" if negatives else ""))
print(f"cut + fallback total p50 {statistics.median(took):.2f} s (cut alone {statistics.median(seconds[i] for i in ids):.2f} s)")
