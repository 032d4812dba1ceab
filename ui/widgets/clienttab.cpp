#include "clienttab.h"
#include "argumentseditor.h"
#include "colors.h"

#include <algorithm>
#include <cctype>

#include <clientmanager.h>
#include <emitstore.h>
#include <eventlogmodel.h>
#include <eventlogview.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

const QString ParserKey = QStringLiteral("client/parser");

QString stateName(EventClient::State state)
{
    switch (state) {
    case EventClient::State::Disconnected:
        return ClientTab::tr("Disconnected");
    case EventClient::State::Connecting:
        return ClientTab::tr("Connecting…");
    case EventClient::State::Connected:
        return ClientTab::tr("Connected");
    case EventClient::State::Reconnecting:
        return ClientTab::tr("Reconnecting…");
    }
    return {};
}

QString stateColor(EventClient::State state, const QPalette &palette)
{
    switch (state) {
    case EventClient::State::Connected:
        return Colors::color(Colors::Role::Good, palette).name();
    case EventClient::State::Disconnected:
        return palette.color(QPalette::Disabled, QPalette::WindowText).name();
    default:
        return Colors::color(Colors::Role::Warning, palette).name();
    }
}

void setErrorLabel(QLabel *label, const QString &text)
{
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

QString headerLines(const HttpHeaders &headers)
{
    QString out;
    for (const auto &h : headers)
        out += u"  "_s + QString::fromLatin1(h.first) + u": "_s + QString::fromLatin1(h.second)
                + u'\n';
    return out;
}

} // namespace

QString ClientTab::explainConnectError(const QString &message, const QString &path,
                                       const QString &nsp)
{
    const QString m = message.toLower();
    QString plain;
    if (m.contains(u"invalid namespace"_s)) {
        plain = tr("Invalid namespace: the server does not serve the namespace \"%1\".").arg(nsp);
    } else if (m.contains(u"404"_s) || m.contains(u"wrong path"_s)) {
        plain = tr("Wrong path: nothing answers Engine.IO at \"%1\" on this server (the usual "
                   "path is /socket.io/).")
                        .arg(path);
    } else if (m.contains(u"version mismatch"_s) || m.contains(u"unsupported protocol version"_s)) {
        plain = tr("Engine.IO version mismatch: the server speaks another protocol version "
                   "(this client speaks Engine.IO 4 / Socket.IO 5).");
    } else if (m.contains(u"403"_s) || m.contains(u"origin"_s)) {
        plain = tr("Origin refused: the server does not allow this client's origin (see its "
                   "allowed origins / CORS setting).");
    } else if (m.contains(u"refused"_s) || m.contains(u"host not found"_s)
               || m.contains(u"unreachable"_s) || m.contains(u"timed out"_s)
               || m.contains(u"timeout"_s) || m.contains(u"closed before"_s)
               || m.contains(u"network"_s)) {
        plain = tr("The server is unreachable: nothing accepted the connection (is it running, "
                   "and are the host and port right?).");
    } else if (m.contains(u"url"_s)) {
        plain = tr("The URL is not usable.");
    } else {
        plain = tr("The server refused the connection.");
    }
    return plain + u' ' + tr("(Server said: %1)").arg(message);
}

ClientTab::ClientTab(QWidget *parent) : QWidget(parent)
{
    m_client = new EventClient(this);
    m_model = new EventLogModel(this);
    m_model->setClient(m_client);
    m_logView = new EventLogView(m_model, this);
    m_logView->setObjectName(u"clientLog"_s);

    // Settings
    m_url = new QLineEdit(u"http://127.0.0.1:8080"_s, this);
    m_url->setObjectName(u"url"_s);
    m_path = new QLineEdit(u"/socket.io/"_s, this);
    m_path->setObjectName(u"path"_s);
    m_namespace = new QLineEdit(u"/"_s, this);
    m_namespace->setObjectName(u"namespace"_s);
    m_auth = new QLineEdit(this);
    m_auth->setObjectName(u"auth"_s);
    m_auth->setPlaceholderText(tr("{\"token\":\"abc\"} (optional)"));
    m_query = new QLineEdit(this);
    m_query->setObjectName(u"query"_s);
    m_query->setPlaceholderText(tr("a=1&b=2 (optional)"));
    m_headers = new QPlainTextEdit(this);
    m_headers->setObjectName(u"headers"_s);
    m_headers->setPlaceholderText(tr("Name: value, one a line"));
    m_headers->setMaximumHeight(48);
    m_transport = new QComboBox(this);
    m_transport->setObjectName(u"transport"_s);
    m_transport->addItem(tr("WebSocket only"), int(ClientOptions::Transport::WebSocket));
    m_transport->addItem(tr("Polling, then upgrade"), int(ClientOptions::Transport::Auto));
    m_transport->addItem(tr("Polling only"), int(ClientOptions::Transport::Polling));
    m_parser = new QComboBox(this);
    m_parser->setObjectName(u"parser"_s);
    for (ClientOptions::Parser p : { ClientOptions::Parser::Json, ClientOptions::Parser::Msgpack })
        m_parser->addItem(ClientOptions::toString(p), int(p));
    m_parser->setToolTip(tr("Socket.IO wire format: json (the specification's) or msgpack "
                            "(socket.io-msgpack-parser's); the server must use the same"));
    ClientOptions::Parser remembered = ClientOptions::Parser::Json;
    if (ClientOptions::fromString(QSettings().value(ParserKey).toString(), &remembered))
        setParser(remembered);
    m_attempts = new QSpinBox(this);
    m_attempts->setObjectName(u"reconnectAttempts"_s);
    m_attempts->setRange(-1, 1000);
    m_attempts->setValue(0);
    m_attempts->setSpecialValueText(tr("no limit"));
    m_attempts->setToolTip(tr("Reconnection attempts after a lost connection (0: none)"));
    m_delay = new QSpinBox(this);
    m_delay->setObjectName(u"reconnectDelay"_s);
    m_delay->setRange(0, 600000);
    m_delay->setValue(1000);
    m_delay->setSuffix(u" ms"_s);
    m_timeout = new QSpinBox(this);
    m_timeout->setObjectName(u"timeout"_s);
    m_timeout->setRange(100, 600000);
    m_timeout->setValue(20000);
    m_timeout->setSuffix(u" ms"_s);
    m_connect = new QPushButton(tr("Connect"), this);
    m_connect->setObjectName(u"connect"_s);
    m_disconnect = new QPushButton(tr("Disconnect"), this);
    m_disconnect->setObjectName(u"disconnect"_s);
    m_state = new QLabel(this);
    m_state->setObjectName(u"state"_s);
    m_error = new QLabel(this);
    m_error->setObjectName(u"connectError"_s);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(Colors::styleSheet(Colors::Role::Error, m_error));
    m_error->hide();
    m_addNamespace = new QLineEdit(this);
    m_addNamespace->setObjectName(u"addNamespace"_s);
    m_addNamespace->setPlaceholderText(tr("/chat"));
    m_addNamespace->setToolTip(tr("Join one more namespace over this connection"));
    m_addNamespaceButton = new QPushButton(tr("Add namespace"), this);
    m_addNamespaceButton->setObjectName(u"addNamespaceButton"_s);
    m_namespaces = new QLabel(this);
    m_namespaces->setObjectName(u"namespaces"_s);
    m_namespaces->setWordWrap(true);
    m_namespaces->hide();

    auto *settingsBox = new QGroupBox(tr("Connection"), this);
    auto *form = new QFormLayout(settingsBox);
    form->addRow(tr("URL"), m_url);
    form->addRow(tr("Path"), m_path);
    form->addRow(tr("Namespace"), m_namespace);
    form->addRow(tr("Auth (JSON)"), m_auth);
    form->addRow(tr("Query"), m_query);
    form->addRow(tr("Headers"), m_headers);
    form->addRow(tr("Transport"), m_transport);
    form->addRow(tr("Parser"), m_parser);
    auto *reconnect = new QHBoxLayout;
    reconnect->addWidget(m_attempts);
    reconnect->addWidget(new QLabel(tr("delay"), this));
    reconnect->addWidget(m_delay);
    form->addRow(tr("Reconnect"), reconnect);
    form->addRow(tr("Timeout"), m_timeout);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_connect);
    buttons->addWidget(m_disconnect);
    buttons->addWidget(m_state, 1);
    form->addRow(buttons);
    form->addRow(m_error);
    auto *addRow = new QHBoxLayout;
    addRow->addWidget(m_addNamespace, 1);
    addRow->addWidget(m_addNamespaceButton);
    form->addRow(tr("More namespaces"), addRow);
    form->addRow(m_namespaces);

    m_handshake = new QPlainTextEdit(this);
    m_handshake->setObjectName(u"handshake"_s);
    m_handshake->setReadOnly(true);
    m_handshake->setPlaceholderText(tr("The handshake appears here once connected."));
    auto *handshakeBox = new QGroupBox(tr("Handshake"), this);
    auto *hl = new QVBoxLayout(handshakeBox);
    hl->addWidget(m_handshake);

    // Listening
    m_catchAll = new QCheckBox(tr("Log every event (catch-all)"), this);
    m_catchAll->setObjectName(u"catchAll"_s);
    m_catchAll->setChecked(true);
    m_listeners = new QLineEdit(this);
    m_listeners->setObjectName(u"listeners"_s);
    m_listeners->setPlaceholderText(tr("Named listeners: event, other"));
    m_ackReply = new QLineEdit(this);
    m_ackReply->setObjectName(u"ackReply"_s);
    m_ackReply->setPlaceholderText(tr("Reply to the server's ack requests: [\"ok\"] (empty: no reply)"));
    m_ackReplyError = new QLabel(this);
    m_ackReplyError->setStyleSheet(Colors::styleSheet(Colors::Role::Error, m_ackReplyError));
    m_ackReplyError->hide();
    auto *listenBox = new QGroupBox(tr("Listening"), this);
    auto *ll = new QFormLayout(listenBox);
    ll->addRow(m_catchAll);
    ll->addRow(tr("Listeners"), m_listeners);
    ll->addRow(tr("Ack reply"), m_ackReply);
    ll->addRow(m_ackReplyError);

    // Emit
    m_history = new QComboBox(this);
    m_history->setObjectName(u"history"_s);
    m_templates = new QComboBox(this);
    m_templates->setObjectName(u"templates"_s);
    m_saveTemplate = new QPushButton(tr("Save as template…"), this);
    m_saveTemplate->setObjectName(u"saveTemplate"_s);
    m_emitNamespace = new QComboBox(this);
    m_emitNamespace->setObjectName(u"emitNamespace"_s);
    m_emitNamespace->setToolTip(tr("The namespace the event goes to"));
    m_event = new QLineEdit(this);
    m_event->setObjectName(u"emitEvent"_s);
    m_event->setPlaceholderText(tr("Event name"));
    m_args = new ArgumentsEditor(this);
    m_args->textEdit()->setObjectName(u"emitArgs"_s);
    m_args->textEdit()->setMaximumHeight(80);
    m_args->errorLabel()->setObjectName(u"emitArgsError"_s);
    m_args->setText(u"[]"_s);
    m_binary = new QLineEdit(this);
    m_binary->setObjectName(u"emitBinary"_s);
    m_binary->setPlaceholderText(tr("Optional binary argument: text sent as its UTF-8 bytes, or hex: 01 02 ff"));
    m_expectAck = new QCheckBox(tr("Expect ack"), this);
    m_expectAck->setObjectName(u"expectAck"_s);
    m_ackTimeout = new QSpinBox(this);
    m_ackTimeout->setObjectName(u"ackTimeout"_s);
    m_ackTimeout->setRange(0, 600000);
    m_ackTimeout->setValue(5000);
    m_ackTimeout->setSuffix(u" ms"_s);
    m_ackTimeout->setSpecialValueText(tr("no timeout"));
    m_send = new QPushButton(tr("Send"), this);
    m_send->setObjectName(u"send"_s);
    m_result = new QLabel(this);
    m_result->setObjectName(u"emitResult"_s);
    m_result->setWordWrap(true);
    auto *emitBox = new QGroupBox(tr("Emit"), this);
    auto *el = new QFormLayout(emitBox);
    auto *stored = new QHBoxLayout;
    stored->addWidget(m_history, 1);
    stored->addWidget(m_templates, 1);
    stored->addWidget(m_saveTemplate);
    el->addRow(stored);
    el->addRow(tr("Namespace"), m_emitNamespace);
    el->addRow(tr("Event"), m_event);
    el->addRow(tr("Arguments"), m_args);
    el->addRow(tr("Binary"), m_binary);
    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_expectAck);
    sendRow->addWidget(m_ackTimeout);
    sendRow->addStretch(1);
    sendRow->addWidget(m_send);
    el->addRow(sendRow);
    el->addRow(m_result);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(settingsBox);
    leftLayout->addWidget(handshakeBox, 1);
    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto *top = new QHBoxLayout;
    top->addWidget(listenBox, 1);
    top->addWidget(emitBox, 2);
    rightLayout->addLayout(top);
    rightLayout->addWidget(m_logView, 1);
    auto *splitter = new QSplitter(this);
    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_connect, &QPushButton::clicked, this, [this] { connectToServer(); });
    connect(m_disconnect, &QPushButton::clicked, this, &ClientTab::disconnectFromServer);
    connect(m_send, &QPushButton::clicked, this, [this] { send(); });
    auto add = [this] {
        if (addNamespace(m_addNamespace->text()))
            m_addNamespace->clear();
    };
    connect(m_addNamespaceButton, &QPushButton::clicked, this, add);
    connect(m_addNamespace, &QLineEdit::returnPressed, this, add);
    connect(m_args, &ArgumentsEditor::validChanged, m_send, &QPushButton::setEnabled);
    connect(m_catchAll, &QCheckBox::toggled, this, &ClientTab::updateListeners);
    connect(m_listeners, &QLineEdit::textChanged, this, &ClientTab::updateListeners);
    connect(m_ackReply, &QLineEdit::textChanged, this, [this](const QString &text) {
        // Empty: no reply (not an empty one); otherwise the emit form's rule.
        QString error;
        Arguments parsed;
        ArgumentsEditor::parse(text, &parsed, &error);
        setErrorLabel(m_ackReplyError, error);
    });
    connect(m_client, &EventClient::stateChanged, this, &ClientTab::updateState);
    connect(m_client, &EventClient::opened, this, &ClientTab::updateHandshake);
    connect(m_client, &EventClient::upgraded, this, &ClientTab::updateHandshake);
    connect(m_client, &EventClient::connected, this, [this] {
        m_lastError.clear();
        setErrorLabel(m_error, {});
        updateState();
        updateHandshake();
    });
    connect(m_client, &EventClient::disconnected, this, [this](const QString &reason) {
        m_result->setText(tr("Disconnected: %1").arg(reason));
        updateState();
    });
    connect(m_client, &EventClient::connectErrorOccurred, this, [this](const QString &message) {
        m_lastError = explainConnectError(message, m_path->text(), m_client->namespaceName());
        setErrorLabel(m_error, m_lastError);
        updateHandshake();
    });
    connect(m_client, &EventClient::reconnecting, this, [this](int attempt, int delayMs) {
        m_state->setText(tr("Reconnecting (attempt %1 in %2 ms)…").arg(attempt).arg(delayMs));
    });
    // Connected after the model's own connection, so the request is logged before the reply.
    connect(m_client, &EventClient::eventReceived, this, &ClientTab::onEventReceived);
    auto reuse = [this](const QString &entryJson) {
        const EmitStore::Entry e = EmitStore::entry(entryJson);
        if (e.isNull())
            return;
        setEventName(e.event);
        setArgumentsText(e.argsJson);
    };
    connect(m_history, &QComboBox::activated, this,
            [this, reuse](int index) { reuse(m_history->itemData(index).toString()); });
    connect(m_templates, &QComboBox::activated, this,
            [this, reuse](int index) { reuse(m_templates->itemData(index).toString()); });
    connect(m_saveTemplate, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Save template"), tr("Name"),
                                                   QLineEdit::Normal, m_event->text(), &ok);
        if (!ok || name.trimmed().isEmpty())
            return;
        EmitStore::saveTemplate(name.trimmed(), m_event->text(), m_args->text());
        reloadStore();
    });

    reloadStore();
    updateNamespaces();
    updateState();
}

EventClient *ClientTab::addNamespace(const QString &name)
{
    QString nsp = name.trimmed();
    if (!nsp.startsWith(u'/'))
        nsp.prepend(u'/');
    if (m_client->state() != EventClient::State::Connected) {
        m_result->setText(tr("Connect first: a namespace is added to a live connection."));
        return nullptr;
    }
    if (nsp == m_client->namespaceName()) {
        m_result->setText(tr("%1 is this connection's first namespace.").arg(nsp));
        return nullptr;
    }
    EventClient *socket = m_client->manager()->socket(nsp);
    if (m_extra.contains(socket) && socket->state() != EventClient::State::Disconnected) {
        m_result->setText(tr("%1 is already added.").arg(nsp));
        return nullptr;
    }
    if (!m_extra.contains(socket)) {
        m_extra.append(socket);
        m_model->addClient(socket);
        connect(socket, &EventClient::stateChanged, this, &ClientTab::updateNamespaces);
        connect(socket, &EventClient::connected, this, [this, socket] {
            m_extraErrors.remove(socket);
            updateNamespaces();
        });
        connect(socket, &EventClient::connectErrorOccurred, this,
                [this, socket](const QString &message) {
                    m_extraErrors.insert(socket, message);
                    updateNamespaces();
                });
        connect(socket, &EventClient::eventReceived, this, &ClientTab::onEventReceived);
    }
    ClientOptions o = socket->options();
    o.auth = m_client->options().auth;
    o.timeout = m_client->options().timeout;
    socket->setOptions(o);
    m_extraErrors.remove(socket);
    socket->open();
    updateNamespaces();
    return socket;
}

void ClientTab::dropExtraNamespaces()
{
    const QList<EventClient *> extra = std::exchange(m_extra, {});
    m_extraErrors.clear();
    for (EventClient *socket : extra) {
        socket->close(); // says goodbye to the server
        delete socket; // and leaves its manager
    }
    updateNamespaces();
}

QString ClientTab::namespacesText() const
{
    return m_namespaces->text();
}

void ClientTab::updateNamespaces()
{
    QStringList lines;
    for (EventClient *socket : std::as_const(m_extra)) {
        QString line = socket->namespaceName() + u": "_s + stateName(socket->state());
        if (socket->isConnected())
            line += tr(" as %1").arg(socket->id());
        const QString error = m_extraErrors.value(socket);
        if (!error.isEmpty() && !socket->isConnected())
            line += u" — "_s + tr("refused: %1").arg(error);
        lines.append(line);
    }
    m_namespaces->setText(lines.join(u'\n'));
    m_namespaces->setVisible(!lines.isEmpty());
    // The emit form's targets: the main namespace, then the added ones.
    const QString current = m_emitNamespace->currentData().toString();
    QStringList names { m_client->namespaceName() };
    for (EventClient *socket : std::as_const(m_extra))
        names.append(socket->namespaceName());
    QStringList shown;
    for (int i = 0; i < m_emitNamespace->count(); ++i)
        shown.append(m_emitNamespace->itemData(i).toString());
    if (shown != names) {
        m_emitNamespace->clear();
        for (const QString &n : std::as_const(names))
            m_emitNamespace->addItem(n, n);
        m_emitNamespace->setCurrentIndex(qMax(0, m_emitNamespace->findData(current)));
    }
    m_emitNamespace->setEnabled(names.size() > 1);
}

void ClientTab::setEmitNamespace(const QString &nsp)
{
    m_emitNamespace->setCurrentIndex(qMax(0, m_emitNamespace->findData(nsp)));
}

EventClient *ClientTab::emitTarget() const
{
    const QString nsp = m_emitNamespace->currentData().toString();
    for (EventClient *socket : m_extra) {
        if (socket->namespaceName() == nsp)
            return socket;
    }
    return m_client;
}

void ClientTab::setUrl(const QString &url)
{
    // A URL with a path names the namespace.
    const QUrl u(url);
    if (u.isValid() && !u.path().isEmpty() && u.path() != u"/"_s) {
        m_namespace->setText(u.path());
        QUrl base = u;
        base.setPath(QString());
        m_url->setText(base.toString());
    } else {
        m_url->setText(url);
    }
}

QString ClientTab::url() const
{
    return composedUrl().toString();
}

void ClientTab::setPath(const QString &path)
{
    m_path->setText(path);
}

void ClientTab::setNamespace(const QString &nsp)
{
    m_namespace->setText(nsp);
}

void ClientTab::setAuthText(const QString &json)
{
    m_auth->setText(json);
}

void ClientTab::setTransport(ClientOptions::Transport transport)
{
    m_transport->setCurrentIndex(m_transport->findData(int(transport)));
}

void ClientTab::setParser(ClientOptions::Parser parser)
{
    m_parser->setCurrentIndex(qMax(0, m_parser->findData(int(parser))));
}

ClientOptions::Parser ClientTab::parser() const
{
    return ClientOptions::Parser(m_parser->currentData().toInt());
}

QUrl ClientTab::composedUrl() const
{
    QUrl u(m_url->text().trimmed());
    QString nsp = m_namespace->text().trimmed();
    if (nsp.isEmpty())
        nsp = u"/"_s;
    if (!nsp.startsWith(u'/'))
        nsp.prepend(u'/');
    u.setPath(nsp == u"/"_s ? QString() : nsp);
    return u;
}

bool ClientTab::connectToServer()
{
    const QUrl u = composedUrl();
    if (!u.isValid() || u.host().isEmpty()) {
        m_lastError = tr("The URL is not usable: give one like http://127.0.0.1:8080");
        setErrorLabel(m_error, m_lastError);
        return false;
    }
    ClientOptions o;
    o.transport = ClientOptions::Transport(m_transport->currentData().toInt());
    o.parser = parser();
    o.path = m_path->text().trimmed().isEmpty() ? u"/socket.io/"_s : m_path->text().trimmed();
    if (!m_auth->text().trimmed().isEmpty()) {
        QJsonParseError err;
        const QJsonDocument doc = QJsonDocument::fromJson(m_auth->text().toUtf8(), &err);
        if (!doc.isObject()) {
            m_lastError = tr("Auth must be a JSON object: %1")
                                  .arg(err.error == QJsonParseError::NoError ? tr("not an object")
                                                                             : err.errorString());
            setErrorLabel(m_error, m_lastError);
            return false;
        }
        o.auth = doc.object();
    }
    o.query = QUrlQuery(m_query->text().trimmed());
    const QStringList lines = m_headers->toPlainText().split(u'\n', Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        const qsizetype colon = line.indexOf(u':');
        if (colon <= 0) {
            m_lastError = tr("A header needs \"Name: value\": %1").arg(line);
            setErrorLabel(m_error, m_lastError);
            return false;
        }
        o.extraHeaders.append({ line.left(colon).trimmed().toLatin1(),
                                line.mid(colon + 1).trimmed().toUtf8() });
    }
    o.reconnection = m_attempts->value() != 0;
    o.reconnectionAttempts = m_attempts->value();
    o.reconnectionDelay = m_delay->value();
    o.reconnectionDelayMax = qMax(m_delay->value() * 5, 5000);
    o.timeout = m_timeout->value();
    m_lastError.clear();
    setErrorLabel(m_error, {});
    dropExtraNamespaces(); // new settings: only the main namespace connects
    m_client->close();
    m_client->setUrl(u);
    m_client->setOptions(o);
    QSettings().setValue(ParserKey, ClientOptions::toString(o.parser));
    m_client->open();
    updateNamespaces();
    Q_EMIT titleChanged(u.host() + u':' + QString::number(u.port()) + m_client->namespaceName());
    updateState();
    return true;
}

void ClientTab::disconnectFromServer()
{
    m_client->manager()->close(); // every namespace, then the connection
    updateState();
}

QString ClientTab::stateText() const
{
    return m_state->text();
}

QString ClientTab::errorText() const
{
    return m_lastError;
}

QString ClientTab::handshakeText() const
{
    return m_handshake->toPlainText();
}

void ClientTab::updateState()
{
    const auto state = m_client->state();
    QString text = stateName(state);
    if (state == EventClient::State::Connected && !m_client->id().isEmpty())
        text += tr(" as %1 (%2)").arg(m_client->id(), m_client->handshake().transport);
    if (state == EventClient::State::Connected && m_client->isRecovered())
        text += tr(", recovered"); // the server gave the session back (connection state recovery)
    m_state->setText(text);
    m_state->setStyleSheet(u"font-weight: bold; color: %1;"_s.arg(stateColor(state, m_state->palette())));
    m_connect->setEnabled(state == EventClient::State::Disconnected);
    m_disconnect->setEnabled(state != EventClient::State::Disconnected);
    m_addNamespaceButton->setEnabled(state == EventClient::State::Connected);
}

void ClientTab::updateHandshake()
{
    const ClientHandshake h = m_client->handshake();
    QString t;
    t += tr("Request: GET %1\n").arg(h.url.toString());
    if (!h.requestHeaders.isEmpty())
        t += tr("Request headers we added:\n") + headerLines(h.requestHeaders);
    if (h.statusCode)
        t += tr("Response: HTTP %1\n").arg(h.statusCode);
    else if (!h.transport.isEmpty())
        t += tr("Response: 101 Switching Protocols (WebSocket)\n");
    if (!h.responseHeaders.isEmpty())
        t += tr("Response headers:\n") + headerLines(h.responseHeaders);
    if (!h.open.sid.isEmpty()) {
        t += tr("\nOpen packet:\n");
        t += tr("  sid: %1\n").arg(h.open.sid);
        t += tr("  upgrades: %1\n").arg(h.open.upgrades.isEmpty()
                                                ? tr("(none)")
                                                : h.open.upgrades.join(u", "_s));
        t += tr("  ping interval: %1 ms\n").arg(h.open.pingInterval);
        t += tr("  ping timeout: %1 ms\n").arg(h.open.pingTimeout);
        t += tr("  max payload: %1 bytes\n").arg(h.open.maxPayload);
    }
    if (!h.transport.isEmpty()) {
        t += tr("\nParser: %1").arg(ClientOptions::toString(m_client->options().parser));
        t += tr("\nTransport: %1").arg(h.transport);
    }
    if (h.upgradedAt.isValid())
        t += tr(" (upgraded from polling at %1)")
                     .arg(h.upgradedAt.toLocalTime().toString(u"HH:mm:ss.zzz"_s));
    m_handshake->setPlainText(t);
    updateState();
}

void ClientTab::setCatchAll(bool on)
{
    m_catchAll->setChecked(on);
}

void ClientTab::setListeners(const QString &commaSeparated)
{
    m_listeners->setText(commaSeparated);
}

void ClientTab::setAutoAckReply(const QString &json)
{
    m_ackReply->setText(json);
}

void ClientTab::updateListeners()
{
    m_listenerNames.clear();
    const QStringList parts = m_listeners->text().split(u',', Qt::SkipEmptyParts);
    for (const QString &p : parts)
        if (!p.trimmed().isEmpty())
            m_listenerNames.append(p.trimmed());
    QStringList logged = m_listenerNames;
    if (m_catchAll->isChecked())
        logged.append(u"*"_s);
    m_model->setClientListeners(logged);
}

void ClientTab::onEventReceived(const QString &, const Arguments &, const Ack &ack)
{
    if (!ack.isRequested())
        return;
    const QString text = m_ackReply->text().trimmed();
    if (text.isEmpty())
        return;
    Arguments reply;
    if (ArgumentsEditor::parse(text, &reply))
        ack.reply(reply);
}

void ClientTab::setEventName(const QString &event)
{
    m_event->setText(event);
}

void ClientTab::setArgumentsText(const QString &json)
{
    m_args->setText(json);
}

void ClientTab::setBinaryArgument(const QString &text)
{
    m_binary->setText(text);
}

void ClientTab::setExpectAck(bool expect, int timeoutMs)
{
    m_expectAck->setChecked(expect);
    m_ackTimeout->setValue(timeoutMs);
}

bool ClientTab::argumentsValid() const
{
    return m_args->isValid();
}

QString ClientTab::argumentsError() const
{
    return m_args->errorString();
}

QString ClientTab::resultText() const
{
    return m_result->text();
}

bool ClientTab::send()
{
    const QString event = m_event->text().trimmed();
    if (event.isEmpty()) {
        m_result->setText(tr("Give the event a name."));
        return false;
    }
    if (!m_args->isValid()) {
        m_result->setText(tr("Nothing sent: the arguments are not a JSON array (%1).")
                                  .arg(m_args->errorString()));
        return false;
    }
    EventClient *target = emitTarget();
    if (target->state() == EventClient::State::Disconnected) {
        m_result->setText(tr("Nothing sent: not connected."));
        return false;
    }
    Arguments args = m_args->arguments();
    const QString binary = m_binary->text();
    if (binary.startsWith(u"hex:"_s)) {
        // "hex: 01 02 ff": the bytes themselves.
        QByteArray digits = binary.mid(4).toLatin1();
        digits.replace(' ', QByteArray());
        const bool hexOnly = std::all_of(digits.cbegin(), digits.cend(),
                                         [](char c) { return std::isxdigit(uchar(c)); });
        if (!hexOnly || digits.size() % 2) {
            m_result->setText(tr("Nothing sent: the binary argument is not hex (pairs of 0-9, a-f)."));
            return false;
        }
        args.append(QByteArray::fromHex(digits));
    } else if (!binary.isEmpty()) {
        args.append(binary.toUtf8());
    }
    EmitStore::addToHistory(event, m_args->text());
    reloadStore();
    if (m_expectAck->isChecked()) {
        QPointer<QLabel> result(m_result);
        target->send(
                event, args,
                [result, event](const AckResult &r) {
                    if (!result)
                        return;
                    if (r.timedOut)
                        result->setText(tr("%1: no reply after %2 ms").arg(event).arg(r.elapsedMs));
                    else if (r.cancelled)
                        result->setText(tr("%1: cancelled (disconnected)").arg(event));
                    else
                        result->setText(tr("%1: reply %2 in %3 ms")
                                                .arg(event,
                                                     QString::fromUtf8(Json::toCompactJson(
                                                             Json::toDisplayJson(r.args, 256))))
                                                .arg(r.elapsedMs));
                },
                m_ackTimeout->value());
        m_result->setText(tr("%1 sent, waiting for the reply…").arg(event));
    } else {
        target->send(event, args);
        m_result->setText(tr("%1 sent").arg(event));
    }
    return true;
}

void ClientTab::reloadStore()
{
    m_history->clear();
    m_history->addItem(tr("History…"));
    const QStringList history = EmitStore::history();
    for (const QString &h : history)
        m_history->addItem(EmitStore::entryLabel(EmitStore::entry(h)), h);
    m_templates->clear();
    m_templates->addItem(tr("Templates…"));
    const QVariantMap templates = EmitStore::templates();
    for (auto it = templates.cbegin(); it != templates.cend(); ++it)
        m_templates->addItem(it.key(), it.value());
}

} // namespace Sockscope
