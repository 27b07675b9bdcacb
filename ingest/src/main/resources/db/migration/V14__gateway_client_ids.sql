-- Outfall storage, version 14: a gateway's MQTT client id belongs to its account alone.
-- A broker disconnects a client when another connects with the same client id, so the embedded
-- broker lets a gateway account connect only as 'gateway-<site>-<gateway>' (MqttConnect). Ids may
-- contain hyphens, so two accounts could spell the same client id (site a-b, gateway c and site a,
-- gateway b-c): this index refuses the second, and with it a way for one plant to take another's
-- connection.
CREATE UNIQUE INDEX broker_accounts_client_id ON broker_accounts (('gateway-' || site || '-' || gateway))
  WHERE role = 'gateway';
