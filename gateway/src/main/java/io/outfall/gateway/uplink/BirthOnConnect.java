package io.outfall.gateway.uplink;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes the retained "online" birth message on every (re)connection and wakes the uplink. */
final class BirthOnConnect implements MqttCallback {
  private static final Logger log = LoggerFactory.getLogger(BirthOnConnect.class);
  private final MqttAsyncClient client;
  private final String statusTopic;
  private final Uplink uplink;

  BirthOnConnect(MqttAsyncClient client, String statusTopic, Uplink uplink) {
    this.client = client;
    this.statusTopic = statusTopic;
    this.uplink = uplink;
  }

  @Override
  public void connectComplete(boolean reconnect, String serverURI) {
    log.info("uplink: connected to {}{}", serverURI, reconnect ? " again" : "");
    try {
      MqttMessage birth = new MqttMessage(uplink.statusJson("online"));
      birth.setQos(1);
      birth.setRetained(true);
      client.publish(statusTopic, birth);
    } catch (MqttException e) {
      log.warn("uplink: birth message not sent: {}", e.toString());
    }
    uplink.wakeUp();
  }

  @Override
  public void disconnected(MqttDisconnectResponse response) {
    log.warn("uplink: disconnected ({}); buffering", response.getReasonString());
  }

  @Override
  public void mqttErrorOccurred(MqttException exception) {}

  @Override
  public void messageArrived(String topic, MqttMessage message) {}

  @Override
  public void deliveryComplete(IMqttToken token) {}

  @Override
  public void authPacketArrived(int reasonCode, MqttProperties properties) {}
}
