-- Layer anatomy (sweep.anatomy = on): where the attack acts inside the network. Per config and
-- attack, each probed layer from input to logits: the relative change ||a_adv - a|| / ||a|| of its
-- activations beside the unpruned model's, the fraction of elements the attack changed, and how
-- much the largest and the top-1% activations grew (adversarial over clean). The study found the
-- change concentrated at the input and at the last block, whose values grow abnormally large.
-- For a feature-map clamp config (A) the activations are the clamped network's, after each clamp.
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
),
l AS (
  SELECT y.* FROM layers y JOIN latest ON y.run_id = latest.run_id
  WHERE y.sweep = '${ap.sweep}' AND y.level = 'config'
)
SELECT l.prune, l.target, l.attack, l.layer_order, l.layer,
       l.relative_l2, b.relative_l2 AS baseline_relative_l2,
       l.changed_fraction, l.max_ratio, l.tail_ratio, l.clean_std, l.adv_std
FROM l LEFT JOIN l b
  ON b.prune = 'baseline' AND b.target IS NULL AND b.attack = l.attack AND b.layer = l.layer
ORDER BY l.config_order, l.attack_order, l.layer_order
