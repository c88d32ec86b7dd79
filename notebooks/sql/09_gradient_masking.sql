-- Gradient masking: per config, every check that can tell a robust model from one whose gradients
-- are broken, each naming its evidence; flagged = the two 95% Wilson intervals lie apart.
--   transfer:      each attack's white-box remnant accuracy against the pruned model's accuracy
--                  on the unpruned model's adversarial images (transfer from baseline): a model
--                  that resists its own attack far better than the baseline's images likely breaks
--                  its gradients (the metrics' masking_suspect).
--   gradient-free: the best gradient attack's remnant accuracy (the lowest, same norm and eps)
--                  against that of an attack that uses no gradient (Square): a random search that
--                  beats every gradient attack finds what the gradients hide. Which attacks follow
--                  the gradient, and their norm and eps, are the metrics' gradient_free, norm and
--                  eps (null for autoattack, whose members are of both kinds, and for rows written
--                  before these columns: such rows take no part).
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
),
m AS (
  SELECT m.* FROM metrics m JOIN latest l ON m.run_id = l.run_id
  WHERE m.sweep = '${ap.sweep}' AND m.level = 'config'
),
best_gradient AS (
  SELECT * FROM (
    SELECT g.*, ROW_NUMBER() OVER (PARTITION BY g.config_id, g.norm, g.eps
                                   ORDER BY g.remnant_acc, g.attack_order) AS rank
    FROM m g
    WHERE NOT g.gradient_free
  ) WHERE rank = 1
),
checks AS (
  SELECT config_id, config_order, prune, 'transfer' AS check, attack, attack_order,
         remnant_acc, 'baseline images' AS evidence, baseline_adv_acc AS evidence_acc,
         masking_suspect AS flagged
  FROM m WHERE baseline_adv_acc IS NOT NULL
  UNION ALL
  SELECT s.config_id, s.config_order, s.prune, 'gradient-free' AS check, g.attack, g.attack_order,
         g.remnant_acc, s.attack AS evidence, s.remnant_acc AS evidence_acc,
         s.remnant_acc_upper < g.remnant_acc_lower AS flagged
  FROM m s JOIN best_gradient g
    ON s.config_id = g.config_id AND s.norm = g.norm AND s.eps = g.eps
  WHERE s.gradient_free
)
SELECT config_id, prune, check, attack, remnant_acc, evidence, evidence_acc,
       remnant_acc - evidence_acc AS gap, flagged
FROM checks
ORDER BY flagged DESC, gap DESC, config_order, check, attack_order
