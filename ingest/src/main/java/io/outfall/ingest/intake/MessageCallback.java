package io.outfall.ingest.intake;

/**
 * A Paho callback that only cares about arriving messages (benchmarks, drills, tests): one method
 * to write, or a lambda.
 */
@FunctionalInterface
public interface MessageCallback extends org.eclipse.paho.mqttv5.client.MqttCallback {
  @Override
  default void disconnected(org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) {}

  @Override
  default void mqttErrorOccurred(org.eclipse.paho.mqttv5.common.MqttException e) {}

  @Override
  default void deliveryComplete(org.eclipse.paho.mqttv5.client.IMqttToken token) {}

  @Override
  default void connectComplete(boolean reconnect, String serverURI) {}

  @Override
  default void authPacketArrived(
      int reasonCode, org.eclipse.paho.mqttv5.common.packet.MqttProperties properties) {}
}
