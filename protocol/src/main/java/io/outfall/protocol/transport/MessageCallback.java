package io.outfall.protocol.transport;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A Paho callback that only cares about arriving messages (the gateway fleet, benchmarks, drills,
 * tests): one method to write, or a lambda.
 */
@FunctionalInterface
public interface MessageCallback extends MqttCallback {
  @Override
  default void disconnected(MqttDisconnectResponse r) {}

  @Override
  default void mqttErrorOccurred(MqttException e) {}

  @Override
  default void deliveryComplete(IMqttToken token) {}

  @Override
  default void connectComplete(boolean reconnect, String serverURI) {}

  @Override
  default void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
