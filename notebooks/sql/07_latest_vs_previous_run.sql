-- The latest successful run against the one before it, per config and attack. flagged: the change is
-- significant by the two-sided two-proportion z-test at alpha 0.01 (|z| > 2.5758293035489), the test
-- `compare` and the report apply (docs/NIGHTLY.md).
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
       coalesce(abs(n.correct / nullif(n.total, 0) - o.correct / nullif(o.total, 0))
         > 2.5758293035489 * sqrt((n.correct + o.correct) / nullif(n.total + o.total, 0) * (1 - (n.correct + o.correct) / nullif(n.total + o.total, 0))
                   * (1.0 / nullif(n.total, 0) + 1.0 / nullif(o.total, 0))), false) AS clean_acc_flagged,
       n.strict_asr - o.strict_asr AS strict_asr_delta,
       coalesce(abs(n.attacked / nullif(n.correct, 0) - o.attacked / nullif(o.correct, 0))
         > 2.5758293035489 * sqrt((n.attacked + o.attacked) / nullif(n.correct + o.correct, 0) * (1 - (n.attacked + o.attacked) / nullif(n.correct + o.correct, 0))
                   * (1.0 / nullif(n.correct, 0) + 1.0 / nullif(o.correct, 0))), false) AS strict_asr_flagged
FROM cfg n JOIN cfg o
  ON n.config_id = o.config_id AND n.attack = o.attack AND n.k = 1 AND o.k = 2
ORDER BY n.config_order, n.attack_order
