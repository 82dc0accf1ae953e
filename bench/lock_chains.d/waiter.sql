UPDATE bench_rows SET v = v + 1 WHERE id = 1;
