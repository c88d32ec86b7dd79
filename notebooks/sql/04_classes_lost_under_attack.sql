-- Which true classes lose most accuracy under each attack (unpruned baseline, all seeds).
WITH latest AS (
  SELECT run_id FROM runs
  WHERE sweep = '${ap.sweep}' AND status = 'SUCCEEDED'
  ORDER BY started_at DESC, run_id DESC LIMIT 1
)
SELECT s.attack, s.label,
       count(*) AS total,
       sum(CASE WHEN s.clean_pred = s.label THEN 1 ELSE 0 END) AS clean_correct,
       sum(CASE WHEN s.adv_pred = s.label THEN 1 ELSE 0 END) AS adv_correct,
       avg(CASE WHEN s.clean_pred = s.label THEN 1.0 ELSE 0.0 END)
         - avg(CASE WHEN s.adv_pred = s.label THEN 1.0 ELSE 0.0 END) AS acc_lost
FROM samples s JOIN latest l ON s.run_id = l.run_id
WHERE s.sweep = '${ap.sweep}' AND s.prune_type = 'baseline' AND s.target IS NULL
GROUP BY s.attack, s.label
ORDER BY acc_lost DESC, s.attack, s.label
