-- hastecrm_perf.report(): the HTML page, its sections, its escaping of user
-- data, bad windows and callers without privilege.
CREATE EXTENSION hastecrm_perf;
SELECT hastecrm_perf.query_latency_reset();

-- A statement whose text is hostile HTML (comments survive normalization).
\o /dev/null
SELECT 1 /* </script><svg onload=alert(1)> "q' ]]> <!-- */;
\o
-- And a table named like markup, among the relations.
CREATE TABLE "<b onclick=x>t</b>" AS SELECT g FROM generate_series(1, 50000) g;

CREATE TEMP TABLE page AS SELECT hastecrm_perf.report() AS html;

SELECT html LIKE '<!DOCTYPE html>%' AS is_html,
       html LIKE '%</html>' || chr(10) AS is_complete,
       octet_length(html) < 2 * 1024 * 1024 AS under_two_mb
FROM page;

-- Every section, in order, and nothing that runs or loads.
SELECT array_agg(m[1] ORDER BY n) AS sections
FROM page, regexp_matches(html, '<section id="([a-z-]+)">', 'g') WITH ORDINALITY AS s(m, n);
SELECT html !~* '<script' AS no_script, html !~* '(src|href)="(https?:|//)' AS no_external_asset,
       html ~ 'Content-Security-Policy' AS locked_down, html ~ '<svg ' AS has_svg
FROM page;

-- The hostile text is shown as text, in the slowest-statements table and chart.
SELECT html !~ '<svg onload' AS no_raw_tag, html !~ '<b onclick' AS no_raw_name,
       html ~ '&quot;&lt;b onclick=x&gt;t&lt;/b&gt;&quot;' AS name_escaped,
       html !~ '</script>' AS no_raw_close,
       (SELECT count(*) FROM regexp_matches(html,
          '&lt;/script&gt;&lt;svg onload=alert\(1\)&gt; &quot;q&#39; \]\]&gt; &lt;!--', 'g')) >= 2
         AS escaped_in_table_and_chart
FROM page;

-- Sources missing in this installation say so in one line each.
SELECT (regexp_matches(html, '<p class="note missing">([^<]*)</p>', 'g'))[1] AS missing
FROM page ORDER BY 1;

-- Bad windows: NULL, empty, or starting after its (clamped) end.
SELECT hastecrm_perf.report(NULL);
SELECT hastecrm_perf.report('empty');
SELECT hastecrm_perf.report(tstzrange(now() + interval '1 day', NULL));
SELECT hastecrm_perf.report(tstzrange(now(), now(), '[]'));
-- Unbounded ends are clamped: the upper to now(), the lower to history_days back.
SELECT substring(hastecrm_perf.report('(,)') FROM '<div class="subtitle">[^<]*\((.*?)\)</div>') AS unbounded;
SELECT substring(hastecrm_perf.report(tstzrange('-infinity', 'infinity')) FROM '\(([^()]*)\)</div>') AS infinite;
SELECT substring(hastecrm_perf.report(tstzrange(now() - interval '90 minutes', NULL)) FROM '\(([^()]*)\)</div>') AS last_90_minutes;

-- Privileges: PUBLIC may not call it; pg_monitor may. A role granted only the
-- report gets the page, with the sections it may not read saying so; a role
-- that may read the latency table but not all statistics sees other roles'
-- texts as <insufficient privilege>.
CREATE ROLE report_plain;
CREATE ROLE report_monitor IN ROLE pg_monitor;
CREATE ROLE report_granted;
GRANT EXECUTE ON FUNCTION hastecrm_perf.report(tstzrange) TO report_granted;
CREATE ROLE report_latency;
GRANT EXECUTE ON FUNCTION hastecrm_perf.report(tstzrange), hastecrm_perf.query_latency_entries(),
    hastecrm_perf.n_plus_one_entries() TO report_latency;
GRANT SELECT ON hastecrm_perf.query_latency, hastecrm_perf.n_plus_one TO report_latency;

SET ROLE report_plain;
SELECT hastecrm_perf.report();
RESET ROLE;

SET ROLE report_monitor;
SELECT r ~ '&lt;svg onload' AS monitor_sees_texts, r !~ 'could not be read' AS monitor_reads_all
FROM hastecrm_perf.report() r;
RESET ROLE;

SET ROLE report_granted;
SELECT (regexp_matches(r, '<p class="note failed">([^<]*)</p>', 'g'))[1] AS granted_only_report
FROM hastecrm_perf.report() r ORDER BY 1;
RESET ROLE;

SET ROLE report_latency;
SELECT r !~ 'svg onload' AS hostile_text_hidden,
       r ~ '<code class="query">&lt;insufficient privilege&gt;</code>' AS shows_insufficient_privilege
FROM hastecrm_perf.report() r;
RESET ROLE;

REVOKE ALL ON FUNCTION hastecrm_perf.report(tstzrange) FROM report_granted;
DROP ROLE report_plain, report_monitor, report_granted;
REVOKE ALL ON FUNCTION hastecrm_perf.report(tstzrange), hastecrm_perf.query_latency_entries(),
    hastecrm_perf.n_plus_one_entries() FROM report_latency;
REVOKE ALL ON hastecrm_perf.query_latency, hastecrm_perf.n_plus_one FROM report_latency;
DROP ROLE report_latency;

DROP TABLE "<b onclick=x>t</b>";
DROP EXTENSION hastecrm_perf;
