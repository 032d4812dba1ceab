#include "emitpanel.h"
#include "argumentseditor.h"
#include <emitstore.h> // the emit history shared with the client window
#include <text.h>

#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStringListModel>
#include <QVBoxLayout>

#include <climits>

using namespace Qt::StringLiterals;
using Sockscope::Text::count;

namespace Sockscope {

namespace {

QStringList splitList(const QString &text)
{
    QStringList out;
    const QStringList parts = text.split(u',', Qt::SkipEmptyParts);
    for (const QString &p : parts) {
        if (!p.trimmed().isEmpty())
            out.append(p.trimmed());
    }
    return out;
}

} // namespace

EmitPanel::EmitPanel(QWidget *parent) : QWidget(parent)
{
    m_target = new QComboBox(this);
    m_target->setObjectName(u"emitTarget"_s);
    m_target->addItem(tr("Everyone (every namespace)"), int(Target::Everyone));
    m_target->addItem(tr("A namespace"), int(Target::Namespace));
    m_target->addItem(tr("Rooms of a namespace"), int(Target::Rooms));
    m_target->addItem(tr("Selected sockets"), int(Target::SelectedSockets));
    m_namespace = new QComboBox(this);
    m_namespace->setObjectName(u"emitNamespace"_s);
    m_namespace->setEditable(true);
    m_namespace->addItem(u"/"_s);
    m_rooms = new QLineEdit(this);
    m_rooms->setObjectName(u"emitRooms"_s);
    m_rooms->setPlaceholderText(tr("room1, room2"));
    m_except = new QLineEdit(this);
    m_except->setObjectName(u"emitExcept"_s);
    m_except->setPlaceholderText(tr("rooms or socket ids to leave out"));
    m_selectedLabel = new QLabel(this);
    m_event = new QLineEdit(this);
    m_event->setObjectName(u"emitEvent"_s);
    m_event->setPlaceholderText(tr("event name"));
    m_eventNames = new QStringListModel(this);
    m_completer = new QCompleter(m_eventNames, this);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setFilterMode(Qt::MatchContains);
    m_event->setCompleter(m_completer);
    m_args = new ArgumentsEditor(this);
    m_args->textEdit()->setObjectName(u"emitArgs"_s);
    m_args->textEdit()->setMinimumHeight(60);
    m_args->errorLabel()->setObjectName(u"emitArgsError"_s);
    m_args->setText(u"[]"_s);
    m_expectAck = new QCheckBox(tr("Expect ack within"), this);
    m_expectAck->setObjectName(u"emitExpectAck"_s);
    m_expectAck->setToolTip(tr("Ask each client for an ack; its reply, or the timeout, is "
                               "logged beside the event"));
    m_ackTimeout = new QSpinBox(this);
    m_ackTimeout->setObjectName(u"emitAckTimeout"_s);
    m_ackTimeout->setRange(0, INT_MAX);
    m_ackTimeout->setValue(5000);
    m_ackTimeout->setSuffix(u" ms"_s);
    m_ackTimeout->setSpecialValueText(tr("no limit"));
    m_ackTimeout->setEnabled(false);
    connect(m_expectAck, &QCheckBox::toggled, m_ackTimeout, &QSpinBox::setEnabled);
    m_volatile = new QCheckBox(tr("Volatile"), this);
    m_volatile->setObjectName(u"emitVolatile"_s);
    m_volatile->setToolTip(tr("May be dropped for a client that is not reading (its unsent "
                              "bytes are over a small threshold), as Node's volatile emit; "
                              "asks for no ack"));
    // A volatile send asks for no ack (Socket::sendVolatile has none).
    connect(m_volatile, &QCheckBox::toggled, this, [this](bool on) {
        if (on)
            m_expectAck->setChecked(false);
        m_expectAck->setEnabled(!on);
    });
    m_send = new QPushButton(tr("Send"), this);
    m_send->setObjectName(u"emitSend"_s);
    m_send->setDefault(true);
    m_send->setToolTip(tr("Send the event to the target (Ctrl+Return)"));
    m_result = new QLabel(this);
    m_result->setObjectName(u"emitResult"_s);
    m_result->setWordWrap(true);

    auto *ackRow = new QHBoxLayout;
    ackRow->addWidget(m_expectAck);
    ackRow->addWidget(m_ackTimeout);
    ackRow->addWidget(m_volatile);
    ackRow->addStretch(1);
    auto *form = new QFormLayout;
    form->addRow(tr("&To"), m_target);
    form->addRow(tr("&Namespace"), m_namespace);
    form->addRow(tr("&Rooms"), m_rooms);
    form->addRow(tr("Selected"), m_selectedLabel);
    form->addRow(tr("E&xcept"), m_except);
    m_reuse = new QComboBox(this);
    m_reuse->setObjectName(u"emitReuse"_s);
    m_reuse->setToolTip(tr("Sent before, from here or a client window, and saved templates"));
    auto *saveTemplateButton = new QPushButton(tr("Save as template…"), this);
    saveTemplateButton->setObjectName(u"emitSaveTemplate"_s);
    saveTemplateButton->setToolTip(tr("Keep this event name and arguments under a name, to "
                                      "pick from the list later"));
    connect(saveTemplateButton, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Save template"), tr("Template name:"),
                                                   QLineEdit::Normal, m_event->text().trimmed(), &ok);
        if (ok && !name.trimmed().isEmpty())
            saveTemplate(name.trimmed());
    });
    connect(m_reuse, &QComboBox::activated, this, [this](int index) { reuse(index); });
    auto *reuseRow = new QHBoxLayout;
    reuseRow->addWidget(m_reuse, 1);
    reuseRow->addWidget(saveTemplateButton);
    form->addRow(tr("Re&use"), reuseRow);
    form->addRow(tr("&Event"), m_event);
    form->addRow(tr("&Arguments"), m_args);
    form->addRow(QString(), ackRow);
    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_send);
    sendRow->addWidget(m_result, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(sendRow);
    layout->addStretch(1);

    connect(m_args, &ArgumentsEditor::validChanged, m_send, &QPushButton::setEnabled);
    connect(m_target, &QComboBox::currentIndexChanged, this, &EmitPanel::updateTargetWidgets);
    connect(m_send, &QPushButton::clicked, this, [this] { send(); });
    connect(m_event, &QLineEdit::returnPressed, this, [this] { send(); });
    reloadReuseList();
    setSelectedSockets({});
    updateTargetWidgets();
}

void EmitPanel::setServer(EventServer *server)
{
    m_server = server;
    refreshNamespaces();
}

void EmitPanel::refreshNamespaces()
{
    if (!m_server)
        return;
    const QString current = m_namespace->currentText();
    QStringList names;
    const auto namespaces = m_server->namespaces();
    for (Namespace *ns : namespaces)
        names.append(ns->name());
    names.sort();
    for (const QString &n : std::as_const(names)) {
        if (m_namespace->findText(n) < 0)
            m_namespace->addItem(n);
    }
    m_namespace->setCurrentText(current.isEmpty() ? u"/"_s : current);
}

void EmitPanel::setSelectedSockets(const QStringList &socketIds)
{
    m_selected = socketIds;
    m_selectedLabel->setText(socketIds.isEmpty()
                                     ? tr("none (select sockets in the Sockets view)")
                                     : count(int(socketIds.size()), tr("socket"), tr("sockets")));
}

void EmitPanel::setEventNames(const QStringList &names)
{
    m_eventNames->setStringList(names);
}

EmitPanel::Target EmitPanel::target() const
{
    return Target(m_target->currentData().toInt());
}

void EmitPanel::setTarget(Target target)
{
    m_target->setCurrentIndex(m_target->findData(int(target)));
}

void EmitPanel::setNamespace(const QString &nsp)
{
    m_namespace->setCurrentText(nsp);
}

void EmitPanel::setRooms(const QString &commaSeparated)
{
    m_rooms->setText(commaSeparated);
}

void EmitPanel::setExceptions(const QString &commaSeparated)
{
    m_except->setText(commaSeparated);
}

void EmitPanel::reloadReuseList()
{
    m_reuse->clear();
    m_reuse->addItem(tr("(history and templates)"));
    const QVariantMap templates = EmitStore::templates();
    for (auto it = templates.cbegin(); it != templates.cend(); ++it) {
        if (!EmitStore::entry(it.value().toString()).isNull())
            m_reuse->addItem(tr("template: %1").arg(it.key()), it.value().toString());
    }
    for (const QString &entryJson : EmitStore::history()) {
        const EmitStore::Entry e = EmitStore::entry(entryJson);
        if (!e.isNull())
            m_reuse->addItem(EmitStore::entryLabel(e), entryJson);
    }
}

int EmitPanel::reuseCount() const
{
    return m_reuse->count() - 1;
}

void EmitPanel::reuse(int index)
{
    // 0 is the placeholder.
    const EmitStore::Entry e = EmitStore::entry(m_reuse->itemData(index).toString());
    if (e.isNull())
        return;
    m_event->setText(e.event);
    m_args->setText(e.argsJson);
    m_volatile->setChecked(e.isVolatile);
}

void EmitPanel::saveTemplate(const QString &name)
{
    EmitStore::saveTemplate(name, m_event->text().trimmed(), m_args->text(),
                            m_volatile->isChecked());
    reloadReuseList();
}

void EmitPanel::setEventName(const QString &event)
{
    m_event->setText(event);
}

void EmitPanel::setArgumentsText(const QString &json)
{
    m_args->setText(json);
}

void EmitPanel::setExpectAck(bool expect, int timeoutMs)
{
    m_expectAck->setChecked(expect);
    m_ackTimeout->setValue(timeoutMs);
}

void EmitPanel::setVolatile(bool isVolatile)
{
    m_volatile->setChecked(isVolatile);
}

bool EmitPanel::isVolatile() const
{
    return m_volatile->isChecked();
}

bool EmitPanel::argumentsValid() const
{
    return m_args->isValid();
}

QString EmitPanel::argumentsError() const
{
    return m_args->errorString();
}

QString EmitPanel::resultText() const
{
    return m_result->text();
}

void EmitPanel::updateTargetWidgets()
{
    const Target t = target();
    m_namespace->setEnabled(t == Target::Namespace || t == Target::Rooms);
    m_rooms->setEnabled(t == Target::Rooms);
    m_selectedLabel->setEnabled(t == Target::SelectedSockets);
}

int EmitPanel::send()
{
    if (!m_args->isValid()) {
        m_result->setText(tr("Not sent: the arguments are not a valid JSON array."));
        return -1;
    }
    const QString event = m_event->text().trimmed();
    if (event.isEmpty()) {
        m_result->setText(tr("Not sent: type an event name."));
        return -1;
    }
    if (!m_server || !m_server->isListening()) {
        m_result->setText(tr("Not sent: the server is not running."));
        return -1;
    }
    const QStringList except = splitList(m_except->text());
    const bool isVolatile = m_volatile->isChecked();
    const bool ack = m_expectAck->isChecked() && !isVolatile;
    const int timeout = m_ackTimeout->value();
    // Replies and timeouts reach the event log through the server's signals.
    const AckCallback ignore = [](const AckResult &) { };
    int count = 0;
    const Arguments args = m_args->arguments();
    const quint64 droppedBefore = m_server->stats().volatileDropped;
    auto broadcast = [&](Namespace *ns, const QStringList &rooms) {
        if (!ns)
            return;
        Broadcast b(ns);
        b.to(rooms).except(except).setVolatile(isVolatile);
        count += ack ? b.send(event, args, ignore, timeout) : b.send(event, args);
    };
    switch (target()) {
    case Target::Everyone: {
        const auto namespaces = m_server->namespaces();
        for (Namespace *ns : namespaces)
            broadcast(ns, {});
        break;
    }
    case Target::Namespace:
        broadcast(m_server->findNamespace(m_namespace->currentText().trimmed()), {});
        break;
    case Target::Rooms: {
        const QStringList rooms = splitList(m_rooms->text());
        if (rooms.isEmpty()) {
            m_result->setText(tr("Not sent: name at least one room."));
            return -1;
        }
        broadcast(m_server->findNamespace(m_namespace->currentText().trimmed()), rooms);
        break;
    }
    case Target::SelectedSockets:
        for (const QString &id : std::as_const(m_selected)) {
            Socket *s = m_server->socket(id);
            if (!s || except.contains(id))
                continue;
            bool excluded = false;
            for (const QString &room : except)
                excluded = excluded || s->rooms().contains(room);
            if (excluded)
                continue;
            const bool written = isVolatile ? s->sendVolatile(event, args)
                    : ack                ? s->send(event, args, ignore, timeout) >= 0
                                         : s->send(event, args);
            if (written)
                ++count;
        }
        break;
    }
    // Sends count the sockets written to; the drops are the server's count.
    const int dropped = int(m_server->stats().volatileDropped - droppedBefore);
    QString result = count == 0 && dropped == 0
            ? tr("No socket matched; nothing sent.")
            : tr("Sent \"%1\" to %2.").arg(event, Text::count(count, tr("socket"), tr("sockets")));
    if (dropped > 0)
        result += u' ' + tr("Volatile: dropped for %1 not reading.")
                                 .arg(Text::count(dropped, tr("socket"), tr("sockets")));
    m_result->setText(result);
    if (count > 0 || dropped > 0) {
        EmitStore::addToHistory(event, m_args->text(), isVolatile);
        reloadReuseList();
    }
    Q_EMIT sent(count);
    return count;
}

} // namespace Sockscope
