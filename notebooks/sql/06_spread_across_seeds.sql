-- Spread across seeds: per config and attack, the range and standard deviation of the per-seed rates.
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT m.config_id, m.prune, m.attack, count(*) AS seeds,
       min(m.clean_acc) AS clean_acc_min, max(m.clean_acc) AS clean_acc_max,
       stddev_samp(m.clean_acc) AS clean_acc_sd,
       min(m.strict_asr) AS strict_asr_min, max(m.strict_asr) AS strict_asr_max,
       stddev_samp(m.strict_asr) AS strict_asr_sd
FROM metrics m JOIN latest l ON m.run_id = l.run_id
WHERE m.sweep = '${ap.sweep}' AND m.level = 'seed'
GROUP BY m.config_id, m.prune, m.config_order, m.attack, m.attack_order
ORDER BY m.config_order, m.attack_order
