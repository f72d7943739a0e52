-- Streams out of sync, per 5 minutes of capture time, to mm.alerts: how many of each stream's windows starting in
-- the 5 minutes the sync head judged out of sync (in-sync probability under one half).
--   java -jar target/mmstream.jar sql --bootstrap localhost:9092 --file flink-jobs/out-of-sync.sql
-- Window semantics as in falls-per-minute.sql: an updating count per stream and 5 minutes, so that a lagging
-- stream's predictions are counted, not dropped behind a watermark; mm.alerts keeps the newest count per key.

SET 'execution.checkpointing.interval' = '10 s';
SET 'table.exec.state.ttl' = '1 d';

CREATE TABLE predictions (
  streamId STRING,
  windowStart TIMESTAMP(3),
  inSyncProbability FLOAT
) WITH (
  'connector' = 'kafka',
  'topic' = 'mm.predictions',
  'properties.bootstrap.servers' = '${bootstrap}',
  'properties.group.id' = 'mmstream-sql-sync',
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
SELECT 'out-of-sync', streamId, stretchStart, stretchStart + INTERVAL '5' MINUTE, COUNT(*)
FROM (
  SELECT streamId,
         TIMESTAMPADD(MINUTE, -MOD(EXTRACT(MINUTE FROM windowStart), 5), FLOOR(windowStart TO MINUTE)) AS stretchStart
  FROM predictions
  WHERE inSyncProbability < 0.5
)
GROUP BY streamId, stretchStart;
