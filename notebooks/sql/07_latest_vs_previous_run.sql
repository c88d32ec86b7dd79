-- The latest successful run against the one before it, per config and attack. flagged: each run's value
-- lies outside the other run's 95% Wilson interval (the report's rule).
WITH ranked AS (
  SELECT run_id, row_number() OVER (ORDER BY started_at DESC, run_id DESC) AS k
  FROM runs WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
),
cfg AS (
  SELECT m.*, r.k FROM metrics m JOIN ranked r ON m.run_id = r.run_id
  WHERE m.sweep = '${ap.sweep}' AND m.level = 'config' AND r.k <= 2
)
SELECT n.config_id, n.prune, n.attack, o.run_id AS previous_run, n.run_id AS latest_run,
       o.clean_acc AS clean_acc_previous, n.clean_acc AS clean_acc_latest,
       n.clean_acc - o.clean_acc AS clean_acc_delta,
       (n.clean_acc NOT BETWEEN o.clean_acc_lower AND o.clean_acc_upper
        AND o.clean_acc NOT BETWEEN n.clean_acc_lower AND n.clean_acc_upper) AS clean_acc_flagged,
       n.strict_asr - o.strict_asr AS strict_asr_delta,
       (n.strict_asr NOT BETWEEN o.strict_asr_lower AND o.strict_asr_upper
        AND o.strict_asr NOT BETWEEN n.strict_asr_lower AND n.strict_asr_upper)
         AS strict_asr_flagged
FROM cfg n JOIN cfg o
  ON n.config_id = o.config_id AND n.attack = o.attack AND n.k = 1 AND o.k = 2
ORDER BY n.config_order, n.attack_order
