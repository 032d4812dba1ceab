#include "plainemitpanel.h"

#include <eventserver.h>
#include <plainconnection.h>

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {
constexpr qint64 MaxFileBytes = 64 * 1024 * 1024;
}

PlainEmitPanel::PlainEmitPanel(QWidget *parent) : QWidget(parent)
{
    m_target = new QComboBox(this);
    m_target->setObjectName(u"plainTarget"_s);
    m_target->addItem(tr("Selected plain connections"), int(Target::Selected));
    m_target->addItem(tr("Every plain connection"), int(Target::AllPlain));
    m_selectedLabel = new QLabel(this);
    m_kind = new QComboBox(this);
    m_kind->setObjectName(u"plainKind"_s);
    m_kind->addItem(tr("Text message"), int(Kind::Text));
    m_kind->addItem(tr("Binary message"), int(Kind::Binary));
    m_kind->addItem(tr("Ping"), int(Kind::Ping));
    m_kind->addItem(tr("Close"), int(Kind::Close));
    m_text = new QPlainTextEdit(this);
    m_text->setObjectName(u"plainText"_s);
    m_text->setTabChangesFocus(true);
    m_loadFile = new QPushButton(tr("Load file…"), this);
    m_loadFile->setObjectName(u"plainLoadFile"_s);
    m_loadFile->setToolTip(tr("Send a file's bytes as a binary message"));
    m_fileLabel = new QLabel(this);
    m_code = new QSpinBox(this);
    m_code->setObjectName(u"plainCloseCode"_s);
    m_code->setRange(1000, 4999);
    m_code->setValue(1000);
    m_reason = new QLineEdit(this);
    m_reason->setObjectName(u"plainCloseReason"_s);
    m_reason->setMaxLength(123); // a close frame's payload is at most 125 bytes
    m_send = new QPushButton(tr("Send"), this);
    m_send->setObjectName(u"plainSend"_s);
    m_send->setToolTip(tr("Send to the selected plain connections, or to every one"));
    m_result = new QLabel(this);
    m_result->setObjectName(u"plainResult"_s);
    m_result->setWordWrap(true);

    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_loadFile);
    fileRow->addWidget(m_fileLabel, 1);
    auto *form = new QFormLayout(this);
    form->addRow(tr("&To"), m_target);
    form->addRow(tr("Selected"), m_selectedLabel);
    form->addRow(tr("&Send"), m_kind);
    form->addRow(tr("&Payload"), m_text);
    form->addRow(QString(), fileRow);
    form->addRow(tr("Close &code"), m_code);
    form->addRow(tr("&Reason"), m_reason);
    form->addRow(QString(), m_send);
    form->addRow(m_result);

    connect(m_kind, &QComboBox::currentIndexChanged, this, &PlainEmitPanel::updateWidgets);
    connect(m_target, &QComboBox::currentIndexChanged, this, &PlainEmitPanel::updateWidgets);
    connect(m_send, &QPushButton::clicked, this, [this] { send(); });
    connect(m_loadFile, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Binary message from file"));
        if (!path.isEmpty())
            setBinaryFile(path);
    });
    setSelectedConnections({});
    updateWidgets();
}

void PlainEmitPanel::setServer(EventServer *server)
{
    m_server = server;
}

void PlainEmitPanel::setSelectedConnections(const QStringList &ids)
{
    m_selected = ids;
    const qsizetype n = targets().size();
    m_selectedLabel->setText(m_target->currentData().toInt() == int(Target::Selected)
                                     ? tr("%n plain connection(s)", nullptr, int(n))
                                     : QString());
}

void PlainEmitPanel::setTarget(Target target)
{
    m_target->setCurrentIndex(m_target->findData(int(target)));
}

PlainEmitPanel::Target PlainEmitPanel::target() const
{
    return Target(m_target->currentData().toInt());
}

void PlainEmitPanel::setKind(Kind kind)
{
    m_kind->setCurrentIndex(m_kind->findData(int(kind)));
}

PlainEmitPanel::Kind PlainEmitPanel::kind() const
{
    return Kind(m_kind->currentData().toInt());
}

void PlainEmitPanel::setText(const QString &text)
{
    m_file.clear();
    m_fileLabel->clear();
    m_text->setPlainText(text);
}

void PlainEmitPanel::setBinaryFile(const QString &path)
{
    m_file = path;
    m_fileLabel->setText(QFileInfo(path).fileName());
    setKind(Kind::Binary);
}

void PlainEmitPanel::setCloseCode(int code)
{
    m_code->setValue(code);
}

void PlainEmitPanel::setCloseReason(const QString &reason)
{
    m_reason->setText(reason);
}

QString PlainEmitPanel::resultText() const
{
    return m_result->text();
}

void PlainEmitPanel::updateWidgets()
{
    const Kind k = kind();
    m_text->setEnabled(k != Kind::Close);
    m_text->setPlaceholderText(k == Kind::Text ? tr("Message text")
                                               : tr("Hex bytes, e.g. 01 02 ff"));
    m_loadFile->setEnabled(k == Kind::Binary);
    m_code->setEnabled(k == Kind::Close);
    m_reason->setEnabled(k == Kind::Close);
    m_selectedLabel->setEnabled(target() == Target::Selected);
    setSelectedConnections(m_selected);
}

QList<PlainConnection *> PlainEmitPanel::targets() const
{
    QList<PlainConnection *> out;
    if (!m_server)
        return out;
    if (target() == Target::AllPlain) {
        const auto all = m_server->plainConnections();
        for (PlainConnection *c : all) {
            if (c->isOpen())
                out.append(c);
        }
        return out;
    }
    for (const QString &id : m_selected) {
        if (PlainConnection *c = m_server->plainConnection(id); c && c->isOpen())
            out.append(c);
    }
    return out;
}

bool PlainEmitPanel::payload(QByteArray *out, QString *error) const
{
    if (kind() == Kind::Binary && !m_file.isEmpty()) {
        QFile f(m_file);
        if (!f.open(QIODevice::ReadOnly)) {
            *error = tr("Cannot read %1: %2").arg(m_file, f.errorString());
            return false;
        }
        if (f.size() > MaxFileBytes) {
            *error = tr("%1 is over 64 MiB").arg(m_file);
            return false;
        }
        *out = f.readAll();
        return true;
    }
    QString hex = m_text->toPlainText();
    hex.remove(QRegularExpression(u"[\\s:,]|0x"_s));
    static const QRegularExpression hexOnly(u"^[0-9a-fA-F]*$"_s);
    if (!hexOnly.match(hex).hasMatch() || hex.size() % 2 != 0) {
        *error = tr("Not hex bytes (pairs of 0-9 a-f, spaces allowed)");
        return false;
    }
    *out = QByteArray::fromHex(hex.toLatin1());
    if (kind() == Kind::Ping && out->size() > 125) {
        *error = tr("A ping carries at most 125 bytes");
        return false;
    }
    return true;
}

int PlainEmitPanel::send()
{
    const QList<PlainConnection *> to = targets();
    if (to.isEmpty()) {
        m_result->setText(target() == Target::Selected ? tr("No plain connection selected")
                                                       : tr("No plain connection"));
        return 0;
    }
    QByteArray bytes;
    QString error;
    if ((kind() == Kind::Binary || kind() == Kind::Ping) && !payload(&bytes, &error)) {
        m_result->setText(error);
        return -1;
    }
    for (PlainConnection *c : to) {
        switch (kind()) {
        case Kind::Text: c->sendText(m_text->toPlainText()); break;
        case Kind::Binary: c->sendBinary(bytes); break;
        case Kind::Ping: c->ping(bytes); break;
        case Kind::Close: c->close(m_code->value(), m_reason->text()); break;
        }
    }
    m_result->setText(tr("Sent to %n plain connection(s)", nullptr, int(to.size())));
    return int(to.size());
}

} // namespace Sockscope
