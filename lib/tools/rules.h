// Sockscope: auto-reply rules, loaded from a JSON file and installed on a server.
#pragma once

#include "arguments.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QMetaObject>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

namespace Sockscope {

class EventServer;
class Socket;
class Ack;

/*
    A rules file declares the namespaces a server serves and what it does by itself when
    sockets connect or send events. The format (documented in the README):

    {
      "namespaces": ["/", "/custom"],
      "rules": [
        { "on": "$connect", "do": [ { "emit": "auth", "args": ["$auth"] } ] },
        { "namespace": "/", "on": "message",
          "do": [ { "emit": "message-back", "args": "$args" } ] },
        { "on": "message-with-ack", "do": [ { "ack": "$args" } ] },
        { "on": "broadcast", "do": [ { "emit": "broadcast", "to": "namespace", "args": "$args" } ] }
      ]
    }

    "on": an event name, "*" for every event, "$connect" or "$disconnect".
    "namespace": one name, a list, or "*" (the default: every declared namespace).
    "match": optional regular expression over the event's arguments as compact JSON.
    "do": actions, in order:
        {"emit": NAME, "args": TEMPLATE, "to": "sender" | "namespace" | "others" | "room:NAME",
         "volatile": true}                 volatile: may be dropped for a client that is not
                                            reading (Socket::sendVolatile, Broadcast::setVolatile)
        {"ack": TEMPLATE}                  answer the event's ack request
        {"join": ROOM} / {"leave": ROOM}   ROOM may be a template string
        {"disconnect": true}
        {"refuse": MESSAGE, "unless": {"key": value, …}}   ($connect only) refuse the CONNECT
                                            with MESSAGE unless the auth payload has these values
    "plain": rules for plain WebSocket clients, first match wins:
        {"on": "text" | "binary" | "*", "match": REGEX, "reply": "pong: $text"}
        {"on": "*", "echo": true}           {"match": "^bye$", "close": 1000}
    TEMPLATE: "$args" (the event's arguments as they came), or a JSON array in which these
    strings are replaced anywhere: "$args" (spliced into the array it is in), "$arg0", "$arg1"…,
    "$auth" (the CONNECT auth payload, {} when none), "$now" (milliseconds since the epoch),
    "$event", "$socket" (the socket id), "$namespace". "$$…" stands for a literal "$…".
*/
class RuleSet
{
public:
    struct Action
    {
        enum class Kind { Emit, Ack, Join, Leave, Disconnect, Refuse };
        Kind kind = Kind::Emit;
        QString name; // event to emit, room to join or leave, refusal message
        QJsonValue args; // template
        QString to = QStringLiteral("sender");
        QJsonObject unless; // Refuse: auth values that let the socket in
        bool isVolatile = false; // Emit: "volatile": true
        bool argsAsReceived = false; // args is "$args" (set by install())
    };
    struct Rule
    {
        QStringList namespaces; // empty: every namespace
        QString on;
        QRegularExpression match;
        bool hasMatch = false;
        QList<Action> actions;
    };

    // Plain WebSocket clients (the plain path): the first rule that matches answers.
    struct PlainRule
    {
        QString on = QStringLiteral("text"); // "text", "binary" or "*"
        QRegularExpression match; // over the text
        bool hasMatch = false;
        QString reply; // text to send; "$text" is the message, "$now" the time in ms
        bool echo = false; // send the message back as it came
        int closeCode = 0; // close with this code
    };

    QStringList namespaces;
    QList<Rule> rules;
    QList<PlainRule> plain;
    QString sourceName; // file name, for messages

    // On failure, error says where and what, e.g. "rules[2].do[0]: unknown action …".
    static bool parse(const QByteArray &json, RuleSet *out, QString *error,
                      const QString &sourceName = QStringLiteral("rules"));
    static bool load(const QString &path, RuleSet *out, QString *error);

    // Declares the namespaces and connects the rules to the server. Returns the connections
    // made, so that the rules can be uninstalled (QObject::disconnect each).
    QList<QMetaObject::Connection> install(EventServer *server) const;

    // Expands a template for one event; exposed for tests.
    static Arguments expand(const QJsonValue &tmpl, const Arguments &args, const QString &event,
                            const Socket *socket);

private:
    bool appliesTo(const Rule &rule, const QString &nsp) const;
};

} // namespace Sockscope
