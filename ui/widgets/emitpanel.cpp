#include "emitpanel.h"
#include "colors.h"
#include <clienttab.h> // EmitStore: the emit history shared with the client window
#include <text.h>

#include <eventserver.h>
#include <namespace.h>
#include <socket.h>

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStringListModel>
#include <QTextBlock>
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
    m_args = new QPlainTextEdit(this);
    m_args->setObjectName(u"emitArgs"_s);
    m_args->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_args->setPlaceholderText(tr("[\"hello\", 42, {\"a\": true}]"));
    m_args->setTabChangesFocus(true);
    m_args->setPlainText(u"[]"_s);
    m_args->setMinimumHeight(60);
    m_argsError = new QLabel(this);
    m_argsError->setObjectName(u"emitArgsError"_s);
    m_argsError->setWordWrap(true);
    m_argsError->setStyleSheet(Colors::styleSheet(Colors::Role::Error, m_argsError));
    m_argsError->hide();
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
    form->addRow(QString(), m_argsError);
    form->addRow(QString(), ackRow);
    auto *sendRow = new QHBoxLayout;
    sendRow->addWidget(m_send);
    sendRow->addWidget(m_result, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(sendRow);
    layout->addStretch(1);

    connect(m_args, &QPlainTextEdit::textChanged, this, &EmitPanel::validateArguments);
    connect(m_target, &QComboBox::currentIndexChanged, this, &EmitPanel::updateTargetWidgets);
    connect(m_send, &QPushButton::clicked, this, [this] { send(); });
    connect(m_event, &QLineEdit::returnPressed, this, [this] { send(); });
    reloadReuseList();
    setSelectedSockets({});
    updateTargetWidgets();
    validateArguments();
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
    auto add = [this](const QString &label, const QString &entryJson) {
        const QJsonObject o = QJsonDocument::fromJson(entryJson.toUtf8()).object();
        if (o.isEmpty())
            return;
        m_reuse->addItem(label, entryJson);
    };
    const QVariantMap templates = EmitStore::templates();
    for (auto it = templates.cbegin(); it != templates.cend(); ++it)
        add(tr("template: %1").arg(it.key()), it.value().toString());
    for (const QString &entry : EmitStore::history()) {
        const QJsonObject o = QJsonDocument::fromJson(entry.toUtf8()).object();
        add(u"%1 %2"_s.arg(o.value(u"event"_s).toString(),
                           o.value(u"args"_s).toString().simplified().left(60)),
            entry);
    }
}

int EmitPanel::reuseCount() const
{
    return m_reuse->count() - 1;
}

void EmitPanel::reuse(int index)
{
    const QString entry = m_reuse->itemData(index).toString(); // 0 is the placeholder
    const QJsonObject o = QJsonDocument::fromJson(entry.toUtf8()).object();
    if (o.isEmpty())
        return;
    m_event->setText(o.value(u"event"_s).toString());
    m_args->setPlainText(o.value(u"args"_s).toString());
}

void EmitPanel::saveTemplate(const QString &name)
{
    EmitStore::saveTemplate(name, m_event->text().trimmed(), m_args->toPlainText());
    reloadReuseList();
}

void EmitPanel::setEventName(const QString &event)
{
    m_event->setText(event);
}

void EmitPanel::setArgumentsText(const QString &json)
{
    m_args->setPlainText(json);
}

void EmitPanel::setExpectAck(bool expect, int timeoutMs)
{
    m_expectAck->setChecked(expect);
    m_ackTimeout->setValue(timeoutMs);
}

QString EmitPanel::argumentsError() const
{
    return m_argsValid ? QString() : m_argsError->text();
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

void EmitPanel::validateArguments()
{
    const QString text = m_args->toPlainText();
    const QByteArray utf8 = text.trimmed().isEmpty() ? QByteArray("[]") : text.toUtf8();
    QString error;
    int offset = -1;
    Arguments parsed;
    m_argsValid = Json::parseArguments(utf8, &parsed, &error, &offset);
    QList<QTextEdit::ExtraSelection> marks;
    if (m_argsValid) {
        m_parsed = parsed;
        m_argsError->clear();
        m_argsError->hide();
    } else {
        // The offset counts UTF-8 bytes; turn it into a character position, line and column.
        const int pos = int(QString::fromUtf8(utf8.left(qMax(0, offset))).size());
        const QTextBlock block = m_args->document()->findBlock(qMin(pos, int(text.size())));
        const int line = block.isValid() ? block.blockNumber() + 1 : 1;
        const int column = block.isValid() ? pos - block.position() + 1 : pos + 1;
        m_argsError->setText(tr("Line %1, column %2: %3").arg(line).arg(column).arg(error));
        m_argsError->show();
        QTextEdit::ExtraSelection mark;
        mark.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
        mark.format.setUnderlineColor(Colors::color(Colors::Role::Error, m_args->palette()));
        mark.format.setBackground(Colors::markBackground());
        mark.cursor = QTextCursor(m_args->document());
        mark.cursor.setPosition(qMin(pos, int(text.size())));
        mark.cursor.movePosition(QTextCursor::NextCharacter, QTextCursor::KeepAnchor);
        marks.append(mark);
    }
    m_args->setExtraSelections(marks);
    m_send->setEnabled(m_argsValid);
}

int EmitPanel::send()
{
    validateArguments();
    if (!m_argsValid) {
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
    const bool ack = m_expectAck->isChecked();
    const int timeout = m_ackTimeout->value();
    // Replies and timeouts reach the event log through the server's signals.
    const AckCallback ignore = [](const AckResult &) { };
    int count = 0;
    auto broadcast = [&](Namespace *ns, const QStringList &rooms) {
        if (!ns)
            return;
        Broadcast b(ns);
        b.to(rooms).except(except);
        count += ack ? b.send(event, m_parsed, ignore, timeout) : b.send(event, m_parsed);
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
            if (ack ? s->send(event, m_parsed, ignore, timeout) >= 0 : s->send(event, m_parsed))
                ++count;
        }
        break;
    }
    m_result->setText(count == 0 ? tr("No socket matched; nothing sent.")
                                 : tr("Sent \"%1\" to %2.").arg(event, Text::count(count, tr("socket"), tr("sockets"))));
    if (count > 0) {
        EmitStore::addToHistory(event, m_args->toPlainText());
        reloadReuseList();
    }
    Q_EMIT sent(count);
    return count;
}

} // namespace Sockscope
