-- Falls per stream and minute of capture time, to mm.alerts: how many of each stream's prediction windows that start
-- in the minute show a fall (the action head's label).
--   java -jar target/mmstream.jar sql --bootstrap localhost:9092 --file flink-jobs/falls-per-minute.sql
-- or on a cluster: flink run -c io.mmstream.job.sql.SqlJob target/mmstream-job.jar --file falls-per-minute.sql --set bootstrap=HOST:PORT
--
-- Window semantics: a stream that lags (a device an hour behind, a camera back from an outage) sends its
-- predictions late against the others'. An event-time TUMBLE over windowStart would drop them: the watermark, set by
-- the streams that keep up, has passed their minute. So this is an updating aggregation keyed by stream and
-- minute: every prediction counts whenever it comes, and mm.alerts, an upsert topic, holds the newest count per
-- alert, stream and minute (a late prediction updates its minute's record). State per key lives for
-- table.exec.state.ttl after its last update; a prediction later than that starts its minute's count again.

SET 'execution.checkpointing.interval' = '10 s';
SET 'table.exec.state.ttl' = '1 d';

CREATE TABLE predictions (
  streamId STRING,
  windowStart TIMESTAMP(3),
  results ARRAY<ROW<task STRING, label STRING>>
) WITH (
  'connector' = 'kafka',
  'topic' = 'mm.predictions',
  'properties.bootstrap.servers' = '${bootstrap}',
  'properties.group.id' = 'mmstream-sql-falls',
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
