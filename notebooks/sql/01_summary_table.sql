-- The study's table for the latest successful run, with its columns named for what they are:
-- pred_change_rate = changed / total, strict_asr = attacked / correct. One row per config and
-- attack; with several attacks, each config also has attack = 'worst-case' (a sample counts as
-- robust only if it survives every attack).
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT CASE WHEN m.target IS NOT NULL THEN concat('transfer ', m.target)
            WHEN m.prune = 'baseline' THEN 'baseline'
            ELSE concat('prune ', m.prune) END AS model,
       m.attack,
       m.prune_ratio, m.clean_acc, m.remnant_acc, m.pred_change_rate, m.strict_asr,
       m.seeds, m.total, m.correct, m.changed, m.attacked
FROM metrics m JOIN latest l ON m.run_id = l.run_id
WHERE m.sweep = '${ap.sweep}' AND m.level = 'config'
ORDER BY m.config_order, m.attack_order
