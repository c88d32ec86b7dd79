-- Each attack against the worst case over all attacks, per config: how much remnant accuracy a
-- single attack leaves that the ensemble takes away (above_worst_case, percentage points / 100).
-- A config robust only against a weak attack shows a large gap. Empty for runs with one attack.
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
),
cfg AS (
  SELECT m.* FROM metrics m JOIN latest l ON m.run_id = l.run_id
  WHERE m.sweep = '${ap.sweep}' AND m.level = 'config'
)
SELECT a.config_id, a.prune, a.attack, a.attack_label, a.remnant_acc,
       w.remnant_acc AS worst_case_remnant_acc,
       a.remnant_acc - w.remnant_acc AS above_worst_case
FROM cfg a JOIN cfg w ON a.config_id = w.config_id AND w.attack = 'worst-case'
WHERE a.attack <> 'worst-case'
ORDER BY a.config_order, a.attack_order
