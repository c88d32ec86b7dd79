-- Clean accuracy, remnant accuracy and strict ASR against the prune value, per prune type (the
-- baseline at value 0, where each curve starts), with
-- the 95% Wilson interval of each (over all images of all seeds), per attack (and worst case).
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT m.attack, m.prune_type, m.prune_value,
       m.clean_acc, m.clean_acc_lower, m.clean_acc_upper,
       m.remnant_acc, m.remnant_acc_lower, m.remnant_acc_upper,
       m.strict_asr, m.strict_asr_lower, m.strict_asr_upper
FROM metrics m JOIN latest l ON m.run_id = l.run_id
WHERE m.sweep = '${ap.sweep}' AND m.level = 'config' AND m.target IS NULL
  AND m.prune_value IS NOT NULL
ORDER BY m.attack_order, m.prune_type, m.prune_value
