#include "handshakeinspector.h"

#include <columns.h>
#include <handshakelogmodel.h>
#include <secrets.h>

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

constexpr qreal LargeScale = 1.7;

QLineEdit *readOnlyLine(const QString &name, QWidget *parent)
{
    auto *e = new QLineEdit(parent);
    e->setObjectName(name);
    e->setReadOnly(true);
    e->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return e;
}

} // namespace

HandshakeInspector::HandshakeInspector(HandshakeLogModel *model, QWidget *parent)
    : QWidget(parent), m_model(model)
{
    m_pick = new QComboBox(this);
    m_pick->setObjectName(u"handshakePick"_s);
    m_pick->setModel(model);
    m_pick->setModelColumn(int(HandshakeColumn::Request));
    m_pick->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_pick->setMinimumContentsLength(20);
    m_follow = new QCheckBox(tr("Follow newest"), this);
    m_follow->setObjectName(u"handshakeFollow"_s);
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Show each new handshake as it arrives"));
    m_large = new QCheckBox(tr("Large text"), this);
    m_large->setObjectName(u"handshakeLarge"_s);
    m_large->setToolTip(tr("Bigger type, for a projector"));
    m_reveal = new QCheckBox(tr("Reveal secrets"), this);
    m_reveal->setObjectName(u"handshakeReveal"_s);
    m_reveal->setToolTip(tr("Show the values of the Authorization, Proxy-Authorization and "
                            "Cookie headers (redacted otherwise, in \"Copy all\" too)"));
    m_copy = new QPushButton(tr("Copy all"), this);
    m_copy->setObjectName(u"handshakeCopy"_s);
    m_copy->setToolTip(tr("Copy the whole handshake as plain text"));
    m_walkthrough = new QPushButton(tr("Walk-through…"), this);
    m_walkthrough->setObjectName(u"handshakeWalkthroughButton"_s);
    m_walkthrough->setToolTip(tr("This handshake step by step in large type, for a projector "
                                 "(arrow keys; export as PNG or PDF)"));

    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_summary = new QLabel(tr("No handshake yet"), this);
    m_summary->setObjectName(u"handshakeSummary"_s);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_request = new QPlainTextEdit(this);
    m_request->setObjectName(u"handshakeRequest"_s);
    m_request->setReadOnly(true);
    m_request->setFont(mono);
    m_request->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_headers = new QTableWidget(0, 2, this);
    m_headers->setObjectName(u"handshakeHeaders"_s);
    m_headers->setHorizontalHeaderLabels({ tr("Header"), tr("Value") });
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_headers->verticalHeader()->setDefaultSectionSize(m_headers->fontMetrics().height() + 6);
    m_headers->setWordWrap(false);
    m_headers->horizontalHeader()->resizeSection(0, 200);
    m_headers->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_headers->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_key = readOnlyLine(u"handshakeKey"_s, this);
    m_keyGuid = readOnlyLine(u"handshakeKeyGuid"_s, this);
    m_sha1 = readOnlyLine(u"handshakeSha1"_s, this);
    m_accept = readOnlyLine(u"handshakeAccept"_s, this);
    m_acceptCheck = new QLabel(this);
    m_acceptCheck->setObjectName(u"handshakeAcceptCheck"_s);
    m_response = new QPlainTextEdit(this);
    m_response->setObjectName(u"handshakeResponse"_s);
    m_response->setReadOnly(true);
    m_response->setFont(mono);
    m_response->setLineWrapMode(QPlainTextEdit::NoWrap);

    auto *accept = new QFormLayout;
    accept->addRow(tr("Sec-WebSocket-Key"), m_key);
    accept->addRow(tr("Key + GUID"), m_keyGuid);
    accept->addRow(tr("SHA-1 (hex)"), m_sha1);
    accept->addRow(tr("Base64 = Accept"), m_accept);
    accept->addRow(QString(), m_acceptCheck);

    auto section = [this](const QString &title, QWidget *w) {
        auto *box = new QWidget(this);
        auto *l = new QVBoxLayout(box);
        l->setContentsMargins(0, 4, 0, 0);
        auto *label = new QLabel(u"<b>%1</b>"_s.arg(title.toHtmlEscaped()), box);
        l->addWidget(label);
        l->addWidget(w, 1);
        return box;
    };
    auto *acceptBox = new QWidget(this);
    acceptBox->setLayout(accept);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setChildrenCollapsible(false);
    // The story in order, the header table (the request again, parsed) last: on a small
    // screen the accept computation is in view without scrolling.
    splitter->addWidget(section(tr("Request, as received"), m_request));
    splitter->addWidget(section(tr("Sec-WebSocket-Accept = base64(SHA-1(key + "
                                   "258EAFA5-E914-47DA-95CA-C5AB0DC85B11))"),
                                acceptBox));
    splitter->addWidget(section(tr("Response, as sent"), m_response));
    splitter->addWidget(section(tr("Headers"), m_headers));
    for (int i : {0, 2, 3})
        splitter->setStretchFactor(i, 1);
    splitter->setStretchFactor(1, 0);

    m_content = new QWidget(this);
    auto *contentLayout = new QVBoxLayout(m_content);
    contentLayout->setContentsMargins(0, 0, 0, 0);
    contentLayout->addWidget(m_summary);
    contentLayout->addWidget(splitter, 1);

    // Two rows, so that a narrow dock shows them all.
    auto *top = new QHBoxLayout;
    top->addWidget(m_pick, 1);
    top->addWidget(m_walkthrough);
    auto *options = new QHBoxLayout;
    options->addWidget(m_follow);
    options->addWidget(m_large);
    options->addWidget(m_reveal);
    options->addStretch(1);
    options->addWidget(m_copy);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(top);
    layout->addLayout(options);
    layout->addWidget(m_content, 1);

    m_baseFont = m_content->font();
    m_baseMono = mono;

    connect(m_pick, &QComboBox::activated, this, [this](int row) {
        m_follow->setChecked(false);
        showRow(row);
    });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on && m_model->rowCount() > 0)
            showRow(m_model->rowCount() - 1);
    });
    connect(m_large, &QCheckBox::toggled, this, &HandshakeInspector::setLargeText);
    connect(m_reveal, &QCheckBox::toggled, this, [this] { showRow(m_row); });
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(allText()); });
    connect(m_walkthrough, &QPushButton::clicked, this,
            [this] { Q_EMIT walkthroughRequested(m_row); });
    connect(model, &QAbstractItemModel::rowsInserted, this, &HandshakeInspector::onRowsInserted);
    connect(model, &QAbstractItemModel::rowsRemoved, this,
            [this](const QModelIndex &, int first, int last) {
                // Rows go from the front when the log is full.
                if (m_row >= 0)
                    m_row = m_row > last ? m_row - (last - first + 1) : -1;
            });
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        m_row = -1;
        display(nullptr);
    });
    if (model->rowCount() > 0)
        showRow(model->rowCount() - 1);
}

bool HandshakeInspector::followNewest() const
{
    return m_follow->isChecked();
}

void HandshakeInspector::setFollowNewest(bool follow)
{
    m_follow->setChecked(follow);
}

void HandshakeInspector::onRowsInserted()
{
    if (m_follow->isChecked())
        showRow(m_model->rowCount() - 1);
}

void HandshakeInspector::showRow(int row)
{
    if (row < 0 || row >= m_model->rowCount()) {
        m_row = -1;
        display(nullptr);
        return;
    }
    m_row = row;
    m_pick->setCurrentIndex(row);
    if (m_reveal->isChecked()) {
        display(&m_model->record(row));
    } else {
        const HandshakeRecord redacted = Secrets::redact(m_model->record(row));
        display(&redacted);
    }
}

bool HandshakeInspector::showConnection(const QString &connectionId)
{
    const int row = m_model->rowOfConnection(connectionId);
    if (row < 0)
        return false;
    m_follow->setChecked(false);
    showRow(row);
    return true;
}

void HandshakeInspector::display(const HandshakeRecord *r)
{
    m_headers->setRowCount(0);
    if (!r) {
        m_summary->setText(tr("No handshake yet"));
        for (QLineEdit *e : { m_key, m_keyGuid, m_sha1, m_accept })
            e->clear();
        m_request->clear();
        m_response->clear();
        m_acceptCheck->clear();
        return;
    }
    QString summary = tr("%1 from %2:%3 · status %4")
                              .arg(r->time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss.zzz"_s),
                                   r->remoteAddress.toString())
                              .arg(r->remotePort)
                              .arg(r->statusCode);
    if (!r->transport.isEmpty())
        summary += tr(" · %1").arg(r->transport);
    if (!r->connectionId.isEmpty())
        summary += tr(" · connection %1").arg(r->connectionId);
    if (!r->error.isEmpty())
        summary += u'\n' + tr("Refused: %1").arg(r->error);
    m_summary->setText(summary);
    m_request->setPlainText(QString::fromLatin1(r->rawRequest));
    m_headers->setRowCount(int(r->headers.size()));
    for (int i = 0; i < r->headers.size(); ++i) {
        m_headers->setItem(i, 0, new QTableWidgetItem(QString::fromLatin1(r->headers.at(i).first)));
        m_headers->setItem(i, 1, new QTableWidgetItem(QString::fromLatin1(r->headers.at(i).second)));
    }
    m_key->setText(QString::fromLatin1(r->secWebSocketKey));
    m_keyGuid->setText(QString::fromLatin1(r->keyWithGuid));
    m_sha1->setText(QString::fromLatin1(r->sha1.toHex(' ')));
    m_accept->setText(QString::fromLatin1(r->secWebSocketAccept));
    m_response->setPlainText(QString::fromLatin1(r->rawResponse));
    if (r->secWebSocketKey.isEmpty()) {
        m_acceptCheck->setText(tr("Not a WebSocket upgrade: no key to answer."));
    } else {
        // Find the header in the response as sent and compare.
        QByteArray sent;
        const QList<QByteArray> lines = r->rawResponse.split('\n');
        for (const QByteArray &l : lines) {
            const qsizetype colon = l.indexOf(':');
            if (colon > 0 && l.left(colon).trimmed().compare("sec-websocket-accept",
                                                             Qt::CaseInsensitive) == 0)
                sent = l.mid(colon + 1).trimmed();
        }
        m_acceptCheck->setText(sent.isEmpty()
                                       ? tr("The response carries no Sec-WebSocket-Accept.")
                                       : sent == r->secWebSocketAccept
                                       ? tr("✓ matches the Sec-WebSocket-Accept sent in the response")
                                       : tr("✗ the response sent %1").arg(QString::fromLatin1(sent)));
    }
}

bool HandshakeInspector::secretsRevealed() const
{
    return m_reveal->isChecked();
}

void HandshakeInspector::setSecretsRevealed(bool reveal)
{
    m_reveal->setChecked(reveal);
}

bool HandshakeInspector::largeText() const
{
    return m_large->isChecked();
}

void HandshakeInspector::setLargeText(bool large)
{
    if (m_large->isChecked() != large) {
        m_large->setChecked(large); // comes back here through toggled
        return;
    }
    QFont f = m_baseFont;
    QFont mono = m_baseMono;
    if (large) {
        f.setPointSizeF(f.pointSizeF() * LargeScale);
        mono.setPointSizeF(mono.pointSizeF() * LargeScale);
    }
    m_content->setFont(f);
    for (QWidget *w : std::initializer_list<QWidget *> { m_request, m_response, m_key, m_keyGuid,
                                                         m_sha1, m_accept })
        w->setFont(mono);
}

QString HandshakeInspector::keyText() const { return m_key->text(); }
QString HandshakeInspector::keyWithGuidText() const { return m_keyGuid->text(); }
QString HandshakeInspector::sha1Text() const { return m_sha1->text(); }
QString HandshakeInspector::acceptText() const { return m_accept->text(); }
QString HandshakeInspector::requestText() const { return m_request->toPlainText(); }
QString HandshakeInspector::responseText() const { return m_response->toPlainText(); }
int HandshakeInspector::headerCount() const { return m_headers->rowCount(); }

QString HandshakeInspector::allText() const
{
    if (m_row < 0 || m_row >= m_model->rowCount())
        return {};
    const HandshakeRecord &r = m_model->record(m_row);
    return HandshakeLogModel::describe(m_reveal->isChecked() ? r : Secrets::redact(r));
}

} // namespace Sockscope
