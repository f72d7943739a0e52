-- Alerts over the predictions, to mm.alerts, as one job that reads mm.predictions once:
--   falls        per stream and minute of capture time, how many of the stream's prediction windows starting in the
--                minute the action head saw a fall in;
--   out-of-sync  per stream and 5 minutes, how many windows the sync head judged out of sync (in-sync probability
--                under one half).
--   java -jar target/mmstream.jar sql --bootstrap localhost:9092 --file flink-jobs/alerts.sql
-- or on a cluster: flink run -c io.mmstream.job.sql.SqlJob target/mmstream-job.jar --file alerts.sql --set bootstrap=HOST:PORT
--
-- Window semantics: a stream that lags (a device an hour behind, a camera back from an outage) sends its
-- predictions late against the others'. An event-time TUMBLE over windowStart would drop them: the watermark, set by
-- the streams that keep up, has passed their stretch. So these are updating aggregations keyed by alert, stream and
-- stretch: every prediction counts whenever it comes, and mm.alerts, an upsert topic, holds the newest count per key
-- (a late prediction updates its stretch's record). State per key lives for table.exec.state.ttl after its last
-- update; a prediction later than that starts its stretch's count again.

SET 'execution.checkpointing.interval' = '10 s';
SET 'table.exec.state.ttl' = '1 d';

CREATE TABLE predictions (
  streamId STRING,
  windowStart TIMESTAMP(3),
  results ARRAY<ROW<task STRING, label STRING>>,
  inSyncProbability FLOAT
) WITH (
  'connector' = 'kafka',
  'topic' = 'mm.predictions',
  'properties.bootstrap.servers' = '${bootstrap}',
  'properties.group.id' = 'mmstream-sql-alerts',
  'properties.isolation.level' = 'read_committed',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = 'earliest',
  'format' = 'mmstream-avro'
);

CREATE TABLE alerts (
  alert STRING,
  streamId STRING,
  windowStart TIMESTAMP(3),
  windowEnd TIMESTAMP(3),
  windows BIGINT,
  PRIMARY KEY (alert, streamId, windowStart) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = 'mm.alerts',
  'properties.bootstrap.servers' = '${bootstrap}',
  'key.format' = 'json',
  'value.format' = 'mmstream-avro',
  'value.mmstream-avro.record' = 'Alert'
);

INSERT INTO alerts
SELECT 'falls', streamId, minuteStart, minuteStart + INTERVAL '1' MINUTE, COUNT(*)
FROM (
  SELECT p.streamId, FLOOR(p.windowStart TO MINUTE) AS minuteStart
  FROM predictions AS p CROSS JOIN UNNEST(p.results) AS r (task, label)
  WHERE r.task = 'action' AND r.label = 'fall'
)
GROUP BY streamId, minuteStart;

INSERT INTO alerts
SELECT 'out-of-sync', streamId, stretchStart, stretchStart + INTERVAL '5' MINUTE, COUNT(*)
FROM (
  SELECT streamId,
         TIMESTAMPADD(MINUTE, -MOD(EXTRACT(MINUTE FROM windowStart), 5), FLOOR(windowStart TO MINUTE)) AS stretchStart
  FROM predictions
  WHERE inSyncProbability < 0.5
)
GROUP BY streamId, stretchStart;
