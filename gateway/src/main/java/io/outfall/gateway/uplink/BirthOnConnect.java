package io.outfall.gateway.uplink;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Paho's callbacks, turned into the uplink's: (re)connected, and config messages arriving. */
final class BirthOnConnect implements MqttCallback {
  private static final Logger log = LoggerFactory.getLogger(BirthOnConnect.class);
  private final Uplink uplink;

  BirthOnConnect(Uplink uplink) {
    this.uplink = uplink;
  }

  @Override
  public void connectComplete(boolean reconnect, String serverURI) {
    try {
      uplink.connected(reconnect);
    } catch (Exception e) {
      log.warn("uplink: after connecting to {}: {}", serverURI, e.toString());
      uplink.wakeUp();
    }
  }

  @Override
  public void disconnected(MqttDisconnectResponse response) {
    log.warn("uplink: disconnected ({}); buffering", response.getReasonString());
  }

  @Override
  public void mqttErrorOccurred(MqttException exception) {}

  @Override
  public void messageArrived(String topic, MqttMessage message) {
    uplink.messageArrived(topic, message);
  }

  @Override
  public void deliveryComplete(IMqttToken token) {}

  @Override
  public void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
