-- Which parameters each pruning changed most (fraction of elements changed), and how their
-- spread moved; prune_stats has one row per (config, seed, parameter).
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT p.config_id, p.parameter, p.elements,
       max(p.changed) AS changed,
       max(p.changed) / p.elements AS changed_fraction,
       avg(p.std_before) AS std_before, avg(p.std_after) AS std_after
FROM prune_stats p JOIN latest l ON p.run_id = l.run_id
WHERE p.sweep = '${ap.sweep}'
GROUP BY p.config_id, p.parameter, p.elements
ORDER BY changed_fraction DESC, p.config_id, p.parameter
LIMIT 30
