"""The four ways the server reaches PostgreSQL: which one is for what, and the figure behind it.

================================  ==============================  ================================
Path                              For                             Why (bench/README.md)
================================  ==============================  ================================
ORM session:                      everything not below: registry  The default: a transaction per
``engine.make_session_factory``,  reads and writes, OGC items and request, typed ``select()``s,
``app.deps.SessionDep``           extents, reports, the CLI       ``spatial.analysis._sql
                                                                  .statement`` for .sql files.
Asyncio pools (items and token    OGC items, vector tiles,        No worker thread, no GIL hand-
reads; tiles; checks):            proposal checks and their       over, no BEGIN/ROLLBACK: z14
``read_pool.make_read_pool``,     pieces, one prepared statement  373–412 → 496–520 tiles/s, p99
``read_pool.fetch_one_prepared``, each, awaited on the event      73–79 → 59–60 ms; checks at 16
``spatial.analysis.prepared       loop (autocommit)               clients p95 154/139 → 128 ms.
.fetch_prepared_async``
Prepared on a session's           a hot statement that must run   Skips SQLAlchemy's compilation
connection:                       inside a SQLAlchemy connection  and bind processing: the check's
``spatial.analysis.prepared       or transaction (the synchronous Python CPU 3.23 ms (``text()``)
.fetch_prepared``, ``_sql         proposal check, ``sitereg       → 1.75 (``exec_driver_sql``)
.fetch_driver``                   check``)                        → 1.10 ms.
Stream: ``stream.stream_rows``    GeoJSON downloads               libpq chunked rows, not a
                                                                  server-side cursor: a whole
                                                                  layer 57–65 → 90–111 MB/s.
================================  ==============================  ================================

SQL for the last three is rendered once per statement by SQLAlchemy for its psycopg dialect
(``spatial.analysis._sql.driver_statement``, ``app.ogc.tiles.sql.compile_for_driver``), never
per request. The autocommit engine (``make_read_engine``) is gone: it was measured for tiles and
checks before both moved to the read pool, which is autocommit itself. Connections everywhere
run with JIT off and are pinged only after idling (``engine.IDLE_PING_S``): ``pool_pre_ping``
cost a round trip per checkout, a sixth of a check under load. A connection the server closed
(a restart) is seen at checkout from its socket, without a round trip (``engine
.has_pending_input``). Each pool's connections carry the ``statement_timeout`` of their class of
request and ``idle_in_transaction_session_timeout`` as connection options (``engine
.connection_options``; the settings' ``timeouts``), so no request sends a statement for them.
With ``DATABASE_REPLICA_URL`` the ORM sessions and the items and tiles pools are each two, one
per server, and hand out the one the request reads from (``replica``: where, lag, fallback;
``app.read_routing`` decides per request). Also here: ``base`` (declarative base) and
``admission`` (how many checks and tiles do database work at once, and cancelling the work of a
client that left).
"""
