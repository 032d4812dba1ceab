#include "rules.h"

#include "eventserver.h"
#include "namespace.h"
#include "plainconnection.h"
#include "socket.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>
#include <memory>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

QString lineColumn(const QByteArray &json, int offset)
{
    // Qt's offset is just past the character that stopped the parser (unless the input ran
    // out after white space): point at that character.
    if (offset > 0 && offset <= json.size() && !QChar::isSpace(uchar(json.at(offset - 1))))
        --offset;
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset && i < json.size(); ++i) {
        if (json.at(i) == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return u"line %1, column %2"_s.arg(line).arg(column);
}

bool validTemplate(const QJsonValue &v, QString *why)
{
    if (v.isString()) {
        if (v.toString() == u"$args")
            return true;
        *why = u"must be \"$args\" or a JSON array"_s;
        return false;
    }
    if (v.isUndefined() || v.isArray())
        return true;
    *why = u"must be \"$args\" or a JSON array"_s;
    return false;
}

QVariant expandValue(const QJsonValue &v, const Arguments &args, const QString &event,
                     const Socket *socket, bool *splice)
{
    *splice = false;
    if (v.isString()) {
        const QString s = v.toString();
        if (!s.startsWith(u'$'))
            return s;
        if (s.startsWith(u"$$"))
            return s.mid(1);
        if (s == u"$args") {
            *splice = true;
            return args;
        }
        if (s == u"$auth")
            return socket ? socket->auth().toVariantMap() : QVariantMap();
        if (s == u"$now")
            return QDateTime::currentMSecsSinceEpoch();
        if (s == u"$event")
            return event;
        if (s == u"$socket")
            return socket ? socket->id() : QString();
        if (s == u"$namespace")
            return socket ? socket->namespaceName() : QString();
        if (s.startsWith(u"$arg")) {
            bool ok = false;
            const int i = s.mid(4).toInt(&ok);
            if (ok)
                return i >= 0 && i < args.size() ? args.at(i) : QVariant::fromValue(nullptr);
        }
        return s;
    }
    if (v.isArray()) {
        QVariantList out;
        for (const QJsonValue &e : v.toArray()) {
            bool sp = false;
            const QVariant x = expandValue(e, args, event, socket, &sp);
            if (sp)
                out.append(x.toList());
            else
                out.append(x);
        }
        return out;
    }
    if (v.isObject()) {
        QVariantMap out;
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            bool sp = false;
            out.insert(it.key(), expandValue(it.value(), args, event, socket, &sp));
        }
        return out;
    }
    bool ok = true;
    return Json::reconstruct(v, {}, &ok);
}

// The first key of o that is not one of allowed, or a null string.
QString unknownKey(const QJsonObject &o, std::initializer_list<QStringView> allowed)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
            return it.key();
    }
    return {};
}

} // namespace

bool RuleSet::parse(const QByteArray &json, RuleSet *out, QString *error, const QString &sourceName)
{
    auto failAt = [&](const QString &where, const QString &what) {
        if (error)
            *error = u"%1: %2: %3"_s.arg(sourceName, where, what);
        return false;
    };
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError)
        return failAt(lineColumn(json, pe.offset), u"invalid JSON: "_s + pe.errorString());
    if (!doc.isObject())
        return failAt(u"top level"_s, u"must be a JSON object with \"namespaces\" and \"rules\""_s);
    const QJsonObject root = doc.object();
    if (const QString key = unknownKey(root, { u"namespaces", u"rules", u"plain", u"description" });
        !key.isNull())
        return failAt(u"top level"_s, u"unknown key \"%1\" (expected namespaces, rules, plain, description)"_s.arg(key));
    RuleSet r;
    r.sourceName = sourceName;
    const QJsonValue nsv = root.value(u"namespaces"_s);
    if (!nsv.isUndefined()) {
        if (!nsv.isArray())
            return failAt(u"namespaces"_s, u"must be an array of names such as [\"/\", \"/chat\"]"_s);
        const QJsonArray a = nsv.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            const QString n = a.at(i).toString();
            if (!a.at(i).isString() || !n.startsWith(u'/'))
                return failAt(u"namespaces[%1]"_s.arg(i), u"must be a string starting with '/'"_s);
            r.namespaces.append(n);
        }
    }
    const QJsonValue rv = root.value(u"rules"_s);
    if (!rv.isUndefined() && !rv.isArray())
        return failAt(u"rules"_s, u"must be an array of rules"_s);
    const QJsonArray rules = rv.toArray();
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const QString where = u"rules[%1]"_s.arg(i);
        if (!rules.at(i).isObject())
            return failAt(where, u"must be an object"_s);
        const QJsonObject o = rules.at(i).toObject();
        if (const QString key = unknownKey(o, { u"on", u"namespace", u"match", u"do",
                                                u"description", u"enabled" });
            !key.isNull())
            return failAt(where, u"unknown key \"%1\" (expected on, namespace, match, do, enabled)"_s.arg(key));
        Rule rule;
        // "enabled": false keeps a rule in the file (checked like the others) but off.
        if (o.contains(u"enabled"_s) && !o.value(u"enabled"_s).isBool())
            return failAt(where + u".enabled"_s, u"must be true or false"_s);
        const bool enabled = o.value(u"enabled"_s).toBool(true);
        if (!o.value(u"on"_s).isString() || o.value(u"on"_s).toString().isEmpty())
            return failAt(where + u".on"_s, u"required: an event name, \"*\", \"$connect\" or \"$disconnect\""_s);
        rule.on = o.value(u"on"_s).toString();
        if (rule.on.startsWith(u'$') && rule.on != u"$connect" && rule.on != u"$disconnect")
            return failAt(where + u".on"_s, u"unknown hook \"%1\" (expected $connect or $disconnect)"_s.arg(rule.on));
        const QJsonValue nv = o.value(u"namespace"_s);
        if (nv.isString()) {
            if (nv.toString() != u"*")
                rule.namespaces.append(nv.toString());
        } else if (nv.isArray()) {
            for (const QJsonValue &x : nv.toArray())
                rule.namespaces.append(x.toString());
        } else if (!nv.isUndefined()) {
            return failAt(where + u".namespace"_s, u"must be a name, a list of names or \"*\""_s);
        }
        for (const QString &n : std::as_const(rule.namespaces)) {
            if (!n.startsWith(u'/'))
                return failAt(where + u".namespace"_s, u"\"%1\" does not start with '/'"_s.arg(n));
            if (!r.namespaces.isEmpty() && !r.namespaces.contains(n))
                return failAt(where + u".namespace"_s, u"\"%1\" is not in \"namespaces\""_s.arg(n));
        }
        if (o.contains(u"match"_s)) {
            rule.match = QRegularExpression(o.value(u"match"_s).toString());
            if (!o.value(u"match"_s).isString())
                return failAt(where + u".match"_s, u"must be a string (a regular expression)"_s);
            if (!rule.match.isValid())
                return failAt(where + u".match"_s, u"invalid regular expression: "_s + rule.match.errorString());
            rule.hasMatch = true;
        }
        const QJsonValue dv = o.value(u"do"_s);
        if (!dv.isArray() || dv.toArray().isEmpty())
            return failAt(where + u".do"_s, u"required: a non-empty array of actions"_s);
        const QJsonArray actions = dv.toArray();
        for (qsizetype j = 0; j < actions.size(); ++j) {
            const QString aw = where + u".do[%1]"_s.arg(j);
            const QJsonObject a = actions.at(j).toObject();
            if (!actions.at(j).isObject())
                return failAt(aw, u"must be an object such as {\"emit\": \"name\", \"args\": \"$args\"}"_s);
            Action act;
            QString why;
            // Exactly one action key, and no key the action does not know: a typo ("arg" for
            // "args") or a second action in the same object would otherwise be ignored.
            static const QStringList kinds = { u"emit"_s, u"ack"_s, u"join"_s, u"leave"_s,
                                               u"disconnect"_s, u"refuse"_s };
            QStringList named;
            for (const QString &k : kinds) {
                if (a.contains(k))
                    named.append(k);
            }
            if (named.size() > 1)
                return failAt(aw, u"one action per object: found %1 (put each in its own object)"_s.arg(named.join(u", "_s)));
            if (named.size() == 1) {
                const QString &kind = named.first();
                const QStringList extra = kind == u"emit"
                        ? QStringList { u"args"_s, u"to"_s, u"volatile"_s }
                        : kind == u"refuse" ? QStringList { u"unless"_s }
                                            : QStringList();
                for (auto it = a.begin(); it != a.end(); ++it) {
                    if (it.key() != kind && it.key() != u"description" && !extra.contains(it.key())) {
                        const QString expected = extra.isEmpty()
                                ? u"%1 takes no other key"_s.arg(kind)
                                : u"expected %1, %2"_s.arg(kind, extra.join(u", "_s));
                        return failAt(aw, u"unknown key \"%1\" (%2)"_s.arg(it.key(), expected));
                    }
                }
            }
            if (a.contains(u"emit"_s)) {
                act.kind = Action::Kind::Emit;
                act.name = a.value(u"emit"_s).toString();
                if (act.name.isEmpty())
                    return failAt(aw + u".emit"_s, u"must be a non-empty event name"_s);
                act.args = a.value(u"args"_s);
                if (!validTemplate(act.args, &why))
                    return failAt(aw + u".args"_s, why);
                const QJsonValue to = a.value(u"to"_s);
                act.to = to.isUndefined() ? u"sender"_s : to.toString(); // not a string: refused
                if (act.to != u"sender" && act.to != u"namespace" && act.to != u"others"
                    && !(act.to.startsWith(u"room:") && act.to.size() > 5))
                    return failAt(aw + u".to"_s, u"\"%1\": expected sender, namespace, others or room:NAME"_s.arg(act.to));
                const QJsonValue isVolatile = a.value(u"volatile"_s);
                if (!isVolatile.isUndefined() && !isVolatile.isBool())
                    return failAt(aw + u".volatile"_s, u"must be true or false"_s);
                act.isVolatile = isVolatile.toBool();
            } else if (a.contains(u"ack"_s)) {
                act.kind = Action::Kind::Ack;
                act.args = a.value(u"ack"_s);
                if (!validTemplate(act.args, &why))
                    return failAt(aw + u".ack"_s, why);
                if (rule.on.startsWith(u'$'))
                    return failAt(aw, u"ack needs an event; %1 has none"_s.arg(rule.on));
            } else if (a.contains(u"join"_s) || a.contains(u"leave"_s)) {
                const bool join = a.contains(u"join"_s);
                act.kind = join ? Action::Kind::Join : Action::Kind::Leave;
                act.name = a.value(join ? u"join"_s : u"leave"_s).toString();
                if (act.name.isEmpty())
                    return failAt(aw, u"needs a room name"_s);
            } else if (a.contains(u"disconnect"_s)) {
                act.kind = Action::Kind::Disconnect;
                if (a.value(u"disconnect"_s) != QJsonValue(true))
                    return failAt(aw + u".disconnect"_s, u"must be true (leave the action out to keep the socket)"_s);
            } else if (a.contains(u"refuse"_s)) {
                act.kind = Action::Kind::Refuse;
                act.name = a.value(u"refuse"_s).toString();
                const QJsonValue unless = a.value(u"unless"_s);
                if (!unless.isUndefined() && !unless.isObject())
                    return failAt(aw + u".unless"_s, u"must be an object of auth values such as {\"token\": \"abc\"}"_s);
                act.unless = unless.toObject();
                if (rule.on != u"$connect")
                    return failAt(aw, u"refuse only applies to \"$connect\" rules"_s);
                if (act.name.isEmpty())
                    return failAt(aw + u".refuse"_s, u"needs the message to send"_s);
            } else {
                return failAt(aw, u"unknown action (expected emit, ack, join, leave, disconnect or refuse)"_s);
            }
            rule.actions.append(act);
        }
        if (enabled)
            r.rules.append(rule);
    }
    const QJsonValue pv = root.value(u"plain"_s);
    if (!pv.isUndefined() && !pv.isArray())
        return failAt(u"plain"_s, u"must be an array of plain WebSocket rules"_s);
    const QJsonArray plain = pv.toArray();
    for (qsizetype i = 0; i < plain.size(); ++i) {
        const QString where = u"plain[%1]"_s.arg(i);
        if (!plain.at(i).isObject())
            return failAt(where, u"must be an object such as {\"match\": \"^ping$\", \"reply\": \"pong\"}"_s);
        const QJsonObject o = plain.at(i).toObject();
        if (const QString key = unknownKey(o, { u"on", u"match", u"reply", u"echo", u"close",
                                                u"description" });
            !key.isNull())
            return failAt(where, u"unknown key \"%1\" (expected on, match, reply, echo, close)"_s.arg(key));
        PlainRule rule;
        rule.on = o.value(u"on"_s).toString(u"text"_s);
        if (rule.on != u"text" && rule.on != u"binary" && rule.on != u"*")
            return failAt(where + u".on"_s, u"\"%1\": expected text, binary or *"_s.arg(rule.on));
        if (o.contains(u"match"_s)) {
            if (!o.value(u"match"_s).isString())
                return failAt(where + u".match"_s, u"must be a string (a regular expression)"_s);
            rule.match = QRegularExpression(o.value(u"match"_s).toString());
            if (!rule.match.isValid())
                return failAt(where + u".match"_s, u"invalid regular expression: "_s + rule.match.errorString());
            rule.hasMatch = true;
        }
        const int actions = int(o.contains(u"reply"_s)) + int(o.contains(u"echo"_s)) + int(o.contains(u"close"_s));
        if (actions != 1)
            return failAt(where, u"needs exactly one of reply, echo or close"_s);
        if (o.contains(u"reply"_s)) {
            if (!o.value(u"reply"_s).isString())
                return failAt(where + u".reply"_s, u"must be a string (\"$text\" stands for the message)"_s);
            rule.reply = o.value(u"reply"_s).toString();
        } else if (o.contains(u"echo"_s)) {
            if (o.value(u"echo"_s) != QJsonValue(true))
                return failAt(where + u".echo"_s, u"must be true"_s);
            rule.echo = true;
        } else {
            const int code = o.value(u"close"_s).toInt(-1);
            if (code != 1000 && (code < 3000 || code > 4999))
                return failAt(where + u".close"_s, u"must be 1000 or a close code from 3000 to 4999"_s);
            rule.closeCode = code;
        }
        r.plain.append(rule);
    }
    *out = std::move(r);
    return true;
}

bool RuleSet::load(const QString &path, RuleSet *out, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = u"%1: cannot read: %2"_s.arg(path, f.errorString());
        return false;
    }
    if (f.size() > 16 * 1024 * 1024) {
        if (error)
            *error = u"%1: larger than 16 MiB"_s.arg(path);
        return false;
    }
    return parse(f.readAll(), out, error, path);
}

bool RuleSet::appliesTo(const Rule &rule, const QString &nsp) const
{
    return rule.namespaces.isEmpty() || rule.namespaces.contains(nsp);
}

Arguments RuleSet::expand(const QJsonValue &tmpl, const Arguments &args, const QString &event,
                          const Socket *socket)
{
    if (tmpl.isUndefined())
        return {};
    if (tmpl.isString() && tmpl.toString() == u"$args")
        return args;
    bool splice = false;
    return expandValue(tmpl, args, event, socket, &splice).toList();
}

QList<QMetaObject::Connection> RuleSet::install(EventServer *server) const
{
    QList<QMetaObject::Connection> made;
    for (const QString &n : namespaces)
        server->of(n);
    auto self = std::make_shared<RuleSet>(*this);
    for (Rule &rule : self->rules) {
        for (Action &a : rule.actions)
            a.argsAsReceived = a.args.isString() && a.args.toString() == u"$args";
    }

    auto run = [server](const Rule &rule, Socket *socket, const QString &event,
                        const ReceivedArguments &received, const Ack &ack) {
        // The arguments are converted from JSON only for an action that uses them: an ack of
        // "$args" answers the JSON text as it came.
        const auto usesArgs = [](const QString &tmpl) { return tmpl.contains(u'$'); };
        QPointer<Socket> guard(socket);
        for (const Action &a : rule.actions) {
            if (!guard || !guard->isConnected())
                return;
            switch (a.kind) {
            case Action::Kind::Emit: {
                const Arguments &args = received.values();
                const Arguments out = expand(a.args, args, event, socket);
                if (a.to == u"sender") {
                    if (a.isVolatile)
                        socket->sendVolatile(a.name, out);
                    else
                        socket->send(a.name, out);
                } else if (a.to == u"namespace") {
                    Broadcast(socket->ns()).setVolatile(a.isVolatile).send(a.name, out);
                } else if (a.to == u"others") {
                    socket->ns()->except(socket->id()).setVolatile(a.isVolatile).send(a.name, out);
                } else {
                    // "room:NAME", where NAME may be a template string such as "$arg0".
                    bool splice = false;
                    const QString room =
                            expandValue(a.to.mid(5), args, event, socket, &splice).toString();
                    socket->ns()->to(room).setVolatile(a.isVolatile).send(a.name, out);
                }
                break;
            }
            case Action::Kind::Ack:
                if (!ack.isRequested())
                    break;
                // Unconverted, the JSON text goes back as it came; converted already (a
                // monitor listens), the values go back, sent as that same text, and whoever
                // listens to the ack gets them without a second conversion.
                if (a.argsAsReceived && !received.json().isNull() && !received.isConverted())
                    ack.replyJson(received.json());
                else
                    ack.reply(expand(a.args, received.values(), event, socket));
                break;
            case Action::Kind::Join:
            case Action::Kind::Leave: {
                bool splice = false;
                const QString room = usesArgs(a.name)
                        ? expandValue(a.name, received.values(), event, socket, &splice).toString()
                        : a.name;
                if (a.kind == Action::Kind::Join)
                    socket->join(room);
                else
                    socket->leave(room);
                break;
            }
            case Action::Kind::Disconnect:
                socket->close();
                break;
            case Action::Kind::Refuse:
                break;
            }
        }
        Q_UNUSED(server);
    };

    // Refusals run as connect hooks, before the socket is connected.
    for (Namespace *ns : server->namespaces()) {
        for (const Rule &rule : self->rules) {
            if (rule.on != u"$connect" || !self->appliesTo(rule, ns->name()))
                continue;
            for (const Action &a : rule.actions) {
                if (a.kind != Action::Kind::Refuse)
                    continue;
                ns->addConnectHook([a](Socket *socket) {
                    const QJsonObject auth = socket->auth();
                    bool allowed = !a.unless.isEmpty();
                    for (auto it = a.unless.begin(); it != a.unless.end(); ++it) {
                        if (auth.value(it.key()) != it.value())
                            allowed = false;
                    }
                    return allowed ? ConnectDecision::accept() : ConnectDecision::refuse(a.name);
                });
            }
        }
    }

    // Plain WebSocket clients: the first rule that matches a message answers it.
    made.append(QObject::connect(server, &EventServer::plainMessageReceived, server,
                                 [self](PlainConnection *c, const QByteArray &data, bool binary) {
        for (const PlainRule &rule : self->plain) {
            if (rule.on != u"*" && (rule.on == u"binary") != binary)
                continue;
            const QString text = QString::fromUtf8(data);
            if (rule.hasMatch && (binary || !rule.match.match(text).hasMatch()))
                continue;
            if (rule.echo) {
                if (binary)
                    c->sendBinary(data);
                else
                    c->sendText(text);
            } else if (rule.closeCode > 0) {
                c->close(rule.closeCode, u"closed by rule"_s);
            } else {
                QString reply = rule.reply;
                reply.replace(u"$$"_s, QString(QChar(0xE000)));
                reply.replace(u"$text"_s, text);
                reply.replace(u"$now"_s, QString::number(QDateTime::currentMSecsSinceEpoch()));
                reply.replace(QChar(0xE000), u'$');
                c->sendText(reply);
            }
            return;
        }
    }));
    // Event rules are per-socket handlers. They hold the rules weakly: once every connection
    // returned here is disconnected (uninstalled), the rules are freed and the handlers of
    // sockets still connected do nothing.
    const std::weak_ptr<RuleSet> weak = self;
    auto attach = [weak, run](Socket *socket) {
        socket->onAnyRaw([weak, run, socket](const QString &event, const ReceivedArguments &args,
                                             const Ack &ack) {
            const std::shared_ptr<RuleSet> self = weak.lock();
            if (!self)
                return;
            QByteArray argsJson;
            for (const Rule &rule : self->rules) {
                if ((!rule.on.isEmpty() && rule.on.front() == u'$')
                    || (rule.on != u"*" && rule.on != event))
                    continue;
                if (!self->appliesTo(rule, socket->namespaceName()))
                    continue;
                if (rule.hasMatch) {
                    if (argsJson.isNull())
                        argsJson = Json::toCompactJson(Json::toDisplayJson(args.values()));
                    if (!rule.match.match(QString::fromUtf8(argsJson)).hasMatch())
                        continue;
                }
                run(rule, socket, event, args, ack);
            }
        });
    };
    // Sockets already connected get the event rules too (not the $connect ones).
    for (Namespace *ns : server->namespaces()) {
        const auto sockets = ns->sockets();
        for (Socket *socket : sockets)
            attach(socket);
    }
    made.append(QObject::connect(server, &EventServer::socketConnected, server,
                                 [self, run, attach](Socket *socket) {
        const QString nsp = socket->namespaceName();
        for (const Rule &rule : self->rules) {
            if (rule.on == u"$connect" && self->appliesTo(rule, nsp))
                run(rule, socket, QString(), ReceivedArguments(Arguments()), Ack());
        }
        attach(socket);
    }));
    made.append(QObject::connect(server, &EventServer::socketDisconnected, server,
                                 [self, run](Socket *socket, const QString &reason) {
        Q_UNUSED(reason);
        for (const Rule &rule : self->rules) {
            if (rule.on == u"$disconnect" && self->appliesTo(rule, socket->namespaceName())) {
                // The socket is gone: only broadcasts to others make sense.
                for (const Action &a : rule.actions) {
                    if (a.kind == Action::Kind::Emit && a.to != u"sender") {
                        const Arguments out = expand(a.args, {}, QString(), socket);
                        Broadcast b = a.to.startsWith(u"room:") ? socket->ns()->to(a.to.mid(5))
                                                                 : Broadcast(socket->ns());
                        b.setVolatile(a.isVolatile).send(a.name, out);
                    }
                }
            }
        }
        Q_UNUSED(run);
    }));
    return made;
}

} // namespace Sockscope
