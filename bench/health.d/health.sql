SELECT count(*) FROM hastecrm_perf.health();
