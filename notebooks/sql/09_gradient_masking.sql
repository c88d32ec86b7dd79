-- Gradient masking: each pruned config judged on the unpruned model's adversarial images of the
-- same samples and attack (transfer from baseline), against its own white-box remnant accuracy.
-- A model that resists its own attack far better than the baseline's images likely breaks its
-- gradients instead of being robust: masking_suspect = the two 95% intervals lie apart.
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT m.config_id, m.prune, m.attack, m.remnant_acc, m.baseline_adv_acc,
       m.remnant_acc - m.baseline_adv_acc AS white_box_minus_transfer,
       m.masking_suspect
FROM metrics m JOIN latest l ON m.run_id = l.run_id
WHERE m.sweep = '${ap.sweep}' AND m.level = 'config' AND m.baseline_adv_acc IS NOT NULL
ORDER BY m.masking_suspect DESC, white_box_minus_transfer DESC, m.config_order, m.attack_order
