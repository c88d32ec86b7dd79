-- Accuracy against the fraction of weights pruning changed, across prune types: does the same
-- ratio cost the same accuracy whichever way it was reached?
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT m.attack, m.prune_type, m.prune, m.prune_ratio, m.clean_acc, m.remnant_acc, m.strict_asr
FROM metrics m JOIN latest l ON m.run_id = l.run_id
WHERE m.sweep = '${ap.sweep}' AND m.level = 'config' AND m.target IS NULL
ORDER BY m.prune_ratio, m.prune_type, m.attack_order
