-- Robustness curve: robust accuracy against eps from one run, per config and attack that records
-- per-sample distances (fab-t, autoattack). A sample is robust at eps when it was classified
-- correctly and the smallest adversarial perturbation the attack found for it (samples.min_distance,
-- in the attack's norm) is larger than eps, or none was found. One point at eps = 0 (the clean
-- accuracy) and one at each distance where samples fall. Every figure is an upper bound on the true
-- robust accuracy: a sample counts as robust until the attack found an adversarial that small. For
-- autoattack, a sample an APGD member broke carries that member's distance (at most the entry's eps,
-- not minimized: FAB-T never attacked it), so below eps its curve lies higher than FAB-T's own.
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
),
s AS (
  SELECT s.config_id, s.prune, s.attack, s.label = s.clean_pred AS correct, s.min_distance
  FROM samples s JOIN latest l ON s.run_id = l.run_id
  WHERE s.sweep = '${ap.sweep}'
),
totals AS (
  SELECT config_id, prune, attack, count(*) AS total, count_if(correct) AS correct
  FROM s GROUP BY config_id, prune, attack
  HAVING count(min_distance) > 0
),
falls AS (
  SELECT config_id, attack, 0D AS eps, 0L AS fallen FROM totals
  UNION ALL
  SELECT config_id, attack, CAST(min_distance AS DOUBLE) AS eps, count(*) AS fallen
  FROM s WHERE correct AND min_distance IS NOT NULL
  GROUP BY config_id, attack, min_distance
)
SELECT t.config_id, t.prune, t.attack, f.eps,
       (t.correct - sum(f.fallen) OVER (PARTITION BY f.config_id, f.attack ORDER BY f.eps))
         / t.total AS robust_acc,
       t.total
FROM totals t JOIN falls f ON t.config_id = f.config_id AND t.attack = f.attack
ORDER BY t.config_id, t.attack, f.eps
