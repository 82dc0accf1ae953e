-- The C++ <-> PostgreSQL bridge under load. The selftest functions live in the
-- library but not in the extension script: the test declares them itself.
CREATE SCHEMA bridge_test;
CREATE FUNCTION bridge_test.throw_cpp(kind text) RETURNS int
  AS 'hastecrm_perf', 'bridge_selftest_throw' LANGUAGE C STRICT;
CREATE FUNCTION bridge_test.pg_error(sqlstate text, message text) RETURNS int
  AS 'hastecrm_perf', 'bridge_selftest_pg_error' LANGUAGE C STRICT;
CREATE FUNCTION bridge_test.live_objects() RETURNS int
  AS 'hastecrm_perf', 'bridge_selftest_live_objects' LANGUAGE C STRICT;
CREATE FUNCTION bridge_test.spi_count(relname text) RETURNS bigint
  AS 'hastecrm_perf', 'bridge_selftest_spi_count' LANGUAGE C STRICT;
CREATE FUNCTION bridge_test.series(n int) RETURNS TABLE (i int, label text)
  AS 'hastecrm_perf', 'bridge_selftest_series' LANGUAGE C STRICT;

CREATE FUNCTION bridge_test.error_of(statement text)
RETURNS TABLE (code text, message text, detail text, hint text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN QUERY SELECT NULL::text, 'no error'::text, NULL::text, NULL::text;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RETURN NEXT;
END $$;
CREATE TEMP TABLE server_start AS SELECT pg_postmaster_start_time() AS started;

-- Each C++ exception kind becomes an ERROR with a fitting SQLSTATE.
SELECT kind, e.* FROM unnest(ARRAY['runtime', 'bad_alloc', 'error', 'int']) AS kind,
  LATERAL bridge_test.error_of(format('SELECT bridge_test.throw_cpp(%L)', kind)) AS e;
-- A PostgreSQL error raised under C++ objects keeps its SQLSTATE and text.
SELECT * FROM bridge_test.error_of($$SELECT bridge_test.pg_error('22012', 'custom division trouble')$$);
SELECT * FROM bridge_test.error_of($$SELECT bridge_test.pg_error('P0001', 'quotes '' and "unicode" ü ✓ survive')$$);
-- And reaches the client as a plain ERROR.
SELECT bridge_test.throw_cpp('runtime');
SELECT bridge_test.pg_error('23505', 'duplicate thing');
-- Every sentinel created above was destroyed.
SELECT bridge_test.live_objects() AS live_after_errors;
-- The normal path returns.
SELECT bridge_test.throw_cpp('none') AS live_during_call;

-- Thousands of errors of each kind: the error arrives intact every time,
-- destructors always run, and backend memory does not grow.
CREATE FUNCTION bridge_test.hammer(iterations int) RETURNS TABLE (kind text, wrong int)
LANGUAGE plpgsql AS $$
DECLARE
  state text; msg text;
  wrong_cpp int := 0; wrong_pg int := 0; wrong_ours int := 0;
BEGIN
  FOR i IN 1..iterations LOOP
    BEGIN
      PERFORM bridge_test.throw_cpp('runtime');
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
      IF state <> 'XX000' OR msg <> 'selftest: C++ runtime_error' THEN wrong_cpp := wrong_cpp + 1; END IF;
    END;
    BEGIN
      PERFORM bridge_test.throw_cpp('error');
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
      IF state <> '22023' OR msg <> 'selftest: our error' THEN wrong_ours := wrong_ours + 1; END IF;
    END;
    BEGIN
      PERFORM bridge_test.pg_error('22012', 'iteration ' || i);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
      IF state <> '22012' OR msg <> 'iteration ' || i THEN wrong_pg := wrong_pg + 1; END IF;
    END;
  END LOOP;
  RETURN QUERY VALUES ('cpp exception', wrong_cpp), ('our error', wrong_ours), ('postgres error', wrong_pg);
END $$;

CREATE TEMP TABLE memory_used AS
  SELECT sum(total_bytes) AS bytes FROM pg_backend_memory_contexts;
SELECT * FROM bridge_test.hammer(500);              -- warm caches
UPDATE memory_used SET bytes = (SELECT sum(total_bytes) FROM pg_backend_memory_contexts);
SELECT * FROM bridge_test.hammer(5000);
SELECT (SELECT sum(total_bytes) FROM pg_backend_memory_contexts) - bytes < 256 * 1024
       AS memory_flat_after_15000_errors
FROM memory_used;
SELECT bridge_test.live_objects() AS live_after_hammer;

-- SPI binds values as parameters: a hostile name is just a name.
SELECT bridge_test.spi_count('pg_class') AS pg_class_rows;
SELECT bridge_test.spi_count('pg_class''; DROP TABLE memory_used; --') AS injected;
SELECT count(*) AS memory_used_still_there FROM memory_used;

-- Materialized set results, including an empty one and a large one.
SELECT * FROM bridge_test.series(3);
SELECT count(*) FROM bridge_test.series(0);
SELECT count(*), max(i), max(label) FILTER (WHERE i = 100000) FROM bridge_test.series(100000);
-- A caller that stops early (LIMIT) is fine too.
SELECT * FROM bridge_test.series(1000) LIMIT 2;

-- The server never restarted: this session and the postmaster are the same.
SELECT started = pg_postmaster_start_time() AS same_postmaster FROM server_start;

DROP SCHEMA bridge_test CASCADE;
