#include "servercontrolpanel.h"
#include "colors.h"

#include <QHostAddress>

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <climits>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

QSpinBox *msSpin(int min, QWidget *parent)
{
    auto *s = new QSpinBox(parent);
    s->setRange(min, INT_MAX);
    s->setSuffix(u" ms"_s);
    s->setGroupSeparatorShown(true);
    return s;
}

} // namespace

void rememberServerSettings(const ServerSettings &s)
{
    QSettings settings;
    settings.beginGroup(u"server"_s);
    settings.setValue(u"bind"_s, s.bind);
    settings.setValue(u"port"_s, s.port);
    settings.setValue(u"pingInterval"_s, s.options.pingInterval);
    settings.setValue(u"pingTimeout"_s, s.options.pingTimeout);
    settings.setValue(u"maxPayload"_s, s.options.maxPayload);
    settings.setValue(u"maxBufferedBytes"_s, s.options.maxBufferedBytes);
    settings.setValue(u"parser"_s, ServerOptions::toString(s.options.parser));
    settings.setValue(u"allowedOrigins"_s, s.options.allowedOrigins);
    settings.endGroup();
    rememberRulesFile(s.rulesFile);
}

void rememberRulesFile(const QString &path)
{
    QSettings().setValue(u"server/rulesFile"_s,
                         path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath());
}

ServerSettings rememberedServerSettings(const ServerSettings &base, ServerSettingFields keep)
{
    ServerSettings s = base;
    QSettings settings;
    settings.beginGroup(u"server"_s);
    auto take = [&](ServerSetting field, const QString &key, auto apply) {
        if (keep.testFlag(field) || !settings.contains(key))
            return;
        apply(settings.value(key));
    };
    take(ServerSetting::Bind, u"bind"_s, [&](const QVariant &v) {
        if (!QHostAddress(v.toString()).isNull())
            s.bind = v.toString();
    });
    take(ServerSetting::Port, u"port"_s, [&](const QVariant &v) {
        bool ok = false;
        const int port = v.toInt(&ok);
        if (ok && port >= 0 && port <= 65535)
            s.port = port;
    });
    take(ServerSetting::PingInterval, u"pingInterval"_s, [&](const QVariant &v) {
        if (v.toInt() > 0)
            s.options.pingInterval = v.toInt();
    });
    take(ServerSetting::PingTimeout, u"pingTimeout"_s, [&](const QVariant &v) {
        if (v.toInt() > 0)
            s.options.pingTimeout = v.toInt();
    });
    take(ServerSetting::MaxPayload, u"maxPayload"_s, [&](const QVariant &v) {
        if (v.toLongLong() > 0)
            s.options.maxPayload = v.toLongLong();
    });
    take(ServerSetting::MaxBufferedBytes, u"maxBufferedBytes"_s, [&](const QVariant &v) {
        bool ok = false;
        const qint64 bytes = v.toLongLong(&ok);
        if (ok && bytes >= 0)
            s.options.maxBufferedBytes = bytes;
    });
    take(ServerSetting::Parser, u"parser"_s, [&](const QVariant &v) {
        ServerOptions::Parser parser;
        if (ServerOptions::fromString(v.toString(), &parser))
            s.options.parser = parser;
    });
    take(ServerSetting::Origins, u"allowedOrigins"_s, [&](const QVariant &v) {
        const QStringList origins = v.toStringList();
        if (!origins.isEmpty())
            s.options.allowedOrigins = origins;
    });
    take(ServerSetting::RulesFile, u"rulesFile"_s, [&](const QVariant &v) {
        const QString path = v.toString();
        if (path.isEmpty() || QFileInfo::exists(path))
            s.rulesFile = path;
    });
    return s;
}

ServerControlPanel::ServerControlPanel(QWidget *parent) : QWidget(parent)
{
    m_bind = new QLineEdit(this);
    m_bind->setObjectName(u"bind"_s);
    m_bind->setToolTip(tr("Address to listen on: 127.0.0.1 for this machine, 0.0.0.0 for every interface"));
    m_port = new QSpinBox(this);
    m_port->setObjectName(u"port"_s);
    m_port->setRange(0, 65535);
    m_port->setToolTip(tr("0 picks a free port"));
    m_pingInterval = msSpin(1, this);
    m_pingInterval->setObjectName(u"pingInterval"_s);
    m_pingTimeout = msSpin(1, this);
    m_pingTimeout->setObjectName(u"pingTimeout"_s);
    m_maxPayload = new QSpinBox(this);
    m_maxPayload->setObjectName(u"maxPayload"_s);
    m_maxPayload->setRange(1, INT_MAX);
    m_maxPayload->setSuffix(u" bytes"_s);
    m_maxPayload->setGroupSeparatorShown(true);
    m_maxBuffered = new QSpinBox(this);
    m_maxBuffered->setObjectName(u"maxBufferedBytes"_s);
    m_maxBuffered->setRange(0, INT_MAX);
    m_maxBuffered->setSuffix(u" bytes"_s);
    m_maxBuffered->setSpecialValueText(tr("no limit"));
    m_maxBuffered->setGroupSeparatorShown(true);
    m_maxBuffered->setToolTip(tr("Bytes queued for a client that is not reading; over them the "
                                 "connection is closed as \"slow consumer\" (0: no limit)"));
    m_parser = new QComboBox(this);
    m_parser->setObjectName(u"parser"_s);
    for (ServerOptions::Parser p : { ServerOptions::Parser::Auto, ServerOptions::Parser::Json,
                                     ServerOptions::Parser::Msgpack })
        m_parser->addItem(ServerOptions::toString(p), int(p));
    m_parser->setToolTip(tr("Socket.IO wire format: auto (each connection's first message "
                            "says), json, or msgpack (socket.io-msgpack-parser's)"));
    m_origins = new QLineEdit(this);
    m_origins->setObjectName(u"origins"_s);
    m_origins->setPlaceholderText(tr("* (any)"));
    m_origins->setToolTip(tr("Allowed origins, separated by commas; * or empty allows any"));
    m_rules = new QLineEdit(this);
    m_rules->setObjectName(u"rulesFile"_s);
    m_rules->setPlaceholderText(tr("none"));
    m_browse = new QPushButton(tr("Browse…"), this);
    m_browse->setToolTip(tr("Pick a rules file"));
    connect(m_browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Rules file"), m_rules->text(),
                                                          tr("Rules (*.json);;All files (*)"));
        if (!path.isEmpty())
            m_rules->setText(path);
    });

    auto *rulesRow = new QHBoxLayout;
    rulesRow->setContentsMargins(0, 0, 0, 0);
    rulesRow->addWidget(m_rules, 1);
    rulesRow->addWidget(m_browse);

    auto *form = new QFormLayout;
    form->addRow(tr("&Bind address"), m_bind);
    form->addRow(tr("&Port"), m_port);
    form->addRow(tr("Ping &interval"), m_pingInterval);
    form->addRow(tr("Ping &timeout"), m_pingTimeout);
    form->addRow(tr("Max &payload"), m_maxPayload);
    form->addRow(tr("&Max buffered"), m_maxBuffered);
    form->addRow(tr("Pa&rser"), m_parser);
    form->addRow(tr("Allowed &origins"), m_origins);
    form->addRow(tr("Rules file"), rulesRow);

    m_start = new QPushButton(tr("Start"), this);
    m_start->setObjectName(u"start"_s);
    m_start->setToolTip(tr("Listen with these settings (F5)"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(u"stop"_s);
    m_stop->setToolTip(tr("Stop listening and disconnect every client (Shift+F5)"));
    connect(m_start, &QPushButton::clicked, this, &ServerControlPanel::startRequested);
    connect(m_stop, &QPushButton::clicked, this, &ServerControlPanel::stopRequested);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    buttons->addStretch(1);

    m_url = new QLineEdit(this);
    m_url->setObjectName(u"url"_s);
    m_url->setReadOnly(true);
    m_url->setPlaceholderText(tr("not listening"));
    m_copy = new QPushButton(tr("Copy"), this);
    m_copy->setToolTip(tr("Copy the URL clients connect to"));
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_url->text()); });
    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(m_url, 1);
    urlRow->addWidget(m_copy);

    m_state = new QLabel(this);
    m_state->setObjectName(u"state"_s);
    m_error = new QLabel(this);
    m_error->setObjectName(u"error"_s);
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(Colors::styleSheet(Colors::Role::Error, m_error));
    m_error->hide();
    m_exposure = new QLabel(tr("Listening on every interface: other machines can connect to it."), this);
    m_exposure->setObjectName(u"exposure"_s);
    m_exposure->setWordWrap(true);
    m_exposure->setStyleSheet(Colors::styleSheet(Colors::Role::Warning, m_exposure, u" font-weight: bold;"_s));
    m_exposure->hide();
    connect(m_bind, &QLineEdit::textChanged, this, [this] { updateExposure(); });
    m_stats = new QLabel(this);
    m_stats->setObjectName(u"stats"_s);
    m_stats->setWordWrap(true);
    m_stats->setToolTip(tr("Requests refused and connections dropped since the server was made"));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addLayout(urlRow);
    layout->addWidget(m_state);
    layout->addWidget(m_error);
    layout->addWidget(m_exposure);
    layout->addWidget(m_stats);
    layout->addStretch(1);

    setSettings({});
    setListening(false);
}

ServerSettings ServerControlPanel::settings() const
{
    ServerSettings s = m_base;
    s.bind = m_bind->text().trimmed();
    s.port = m_port->value();
    s.options.pingInterval = m_pingInterval->value();
    s.options.pingTimeout = m_pingTimeout->value();
    s.options.maxPayload = m_maxPayload->value();
    s.options.maxBufferedBytes = m_maxBuffered->value();
    s.options.parser = ServerOptions::Parser(m_parser->currentData().toInt());
    s.options.allowedOrigins.clear();
    const QStringList origins = m_origins->text().split(u',', Qt::SkipEmptyParts);
    for (const QString &o : origins) {
        if (!o.trimmed().isEmpty())
            s.options.allowedOrigins.append(o.trimmed());
    }
    if (s.options.allowedOrigins.isEmpty())
        s.options.allowedOrigins = { u"*"_s };
    s.rulesFile = m_rules->text().trimmed();
    return s;
}

void ServerControlPanel::setSettings(const ServerSettings &settings)
{
    m_base = settings;
    m_bind->setText(settings.bind);
    m_port->setValue(settings.port);
    m_pingInterval->setValue(settings.options.pingInterval);
    m_pingTimeout->setValue(settings.options.pingTimeout);
    m_maxPayload->setValue(int(qMin<qint64>(settings.options.maxPayload, INT_MAX)));
    m_maxBuffered->setValue(int(qMin<qint64>(settings.options.maxBufferedBytes, INT_MAX)));
    m_parser->setCurrentIndex(qMax(0, m_parser->findData(int(settings.options.parser))));
    m_origins->setText(settings.options.allowedOrigins.join(u", "_s));
    m_rules->setText(settings.rulesFile);
    updateExposure();
}

void ServerControlPanel::setListening(bool listening, const QString &url)
{
    for (QWidget *w : std::initializer_list<QWidget *> { m_bind, m_port, m_pingInterval,
                                                         m_pingTimeout, m_maxPayload, m_maxBuffered,
                                                         m_parser, m_origins, m_rules, m_browse })
        w->setEnabled(!listening);
    m_start->setEnabled(!listening);
    m_stop->setEnabled(listening);
    m_url->setText(listening ? url : QString());
    m_copy->setEnabled(listening);
    m_state->setText(listening ? tr("Listening") : tr("Stopped"));
    if (listening)
        setError({});
}

QString ServerControlPanel::url() const
{
    return m_url->text();
}

void ServerControlPanel::setError(const QString &message)
{
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString ServerControlPanel::errorText() const
{
    return m_error->text();
}

void ServerControlPanel::updateExposure()
{
    const QHostAddress address(m_bind->text().trimmed());
    m_exposure->setVisible(!address.isNull() && !address.isLoopback());
}

bool ServerControlPanel::isExposureWarningShown() const
{
    return !m_exposure->isHidden();
}

void ServerControlPanel::setStats(const ServerStats &s)
{
    QStringList parts;
    auto add = [&parts](quint64 n, const QString &what) {
        if (n)
            parts.append(u"%1 %2"_s.arg(n).arg(what));
    };
    add(s.refusedAtCapacity, tr("at capacity"));
    add(s.oversizedHeads, tr("oversized headers"));
    add(s.oversizedPayloads, tr("oversized payloads"));
    add(s.handshakeTimeouts, tr("stalled requests"));
    add(s.tlsFailures, tr("TLS failures"));
    add(s.originRefusals, tr("origins refused"));
    add(s.parseErrors, tr("parse errors"));
    add(s.pingTimeouts, tr("ping timeouts"));
    add(s.connectTimeouts, tr("connect timeouts"));
    add(s.transportErrors, tr("transport errors"));
    add(s.namespaceLimitRefusals, tr("namespace limit"));
    add(s.slowConsumerCloses, tr("slow consumers"));
    add(s.volatileDropped, tr("volatile dropped"));
    // Every HTTP refusal counts in requestsRefused; those not named above are bad requests.
    const quint64 named = s.refusedAtCapacity + s.oversizedHeads + s.oversizedPayloads + s.originRefusals;
    if (s.requestsRefused > named)
        add(s.requestsRefused - named, tr("other bad requests"));
    m_stats->setText(parts.isEmpty() ? tr("Refused or dropped: none")
                                     : tr("Refused or dropped: %1").arg(parts.join(u", "_s)));
}

QString ServerControlPanel::statsText() const
{
    return m_stats->text();
}

} // namespace Sockscope
