// Sockscope: one handshake laid bare, from request bytes to the 101 answer.
#pragma once

#include <handshakerecord.h>

#include <QPointer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
QT_END_NAMESPACE

namespace Sockscope {

class HandshakeLogModel;

/*
    Pick a handshake (or follow the newest): the raw request, its headers, the
    Sec-WebSocket-Accept computation step by step (key, key + GUID, SHA-1 in hex, base64),
    and the response exactly as sent. Secret headers are redacted until "Reveal secrets" is
    ticked. "Large text" is for showing it on a projector; "Copy all"
    puts the whole account on the clipboard as plain text.
*/
class HandshakeInspector : public QWidget
{
    Q_OBJECT
public:
    explicit HandshakeInspector(HandshakeLogModel *model, QWidget *parent = nullptr);

    bool followNewest() const;
    void setFollowNewest(bool follow);
    void showRow(int row);
    // Shows the newest handshake of this connection (stops following the newest).
    bool showConnection(const QString &connectionId);
    int currentRow() const { return m_row; }

    bool largeText() const;
    void setLargeText(bool large);
    // Authorization, Proxy-Authorization and Cookie values show as "[redacted]" (in the raw
    // request, the header table and "Copy all") until revealed.
    bool secretsRevealed() const;
    void setSecretsRevealed(bool reveal);

    QString keyText() const;
    QString keyWithGuidText() const;
    QString sha1Text() const;
    QString acceptText() const;
    QString requestText() const;
    QString responseText() const;
    QString allText() const; // what "Copy all" copies
    int headerCount() const;

Q_SIGNALS:
    // "Walk-through…": the handshake shown, step by step in a window of its own.
    void walkthroughRequested(int row);

private:
    void onRowsInserted();
    void display(const HandshakeRecord *record);

    HandshakeLogModel *m_model = nullptr;
    int m_row = -1;
    QComboBox *m_pick = nullptr;
    QCheckBox *m_follow = nullptr;
    QCheckBox *m_large = nullptr;
    QCheckBox *m_reveal = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_walkthrough = nullptr;
    QLabel *m_summary = nullptr;
    QPlainTextEdit *m_request = nullptr;
    QTableWidget *m_headers = nullptr;
    QLineEdit *m_key = nullptr;
    QLineEdit *m_keyGuid = nullptr;
    QLineEdit *m_sha1 = nullptr;
    QLineEdit *m_accept = nullptr;
    QLabel *m_acceptCheck = nullptr;
    QPlainTextEdit *m_response = nullptr;
    QWidget *m_content = nullptr;
    QFont m_baseFont;
    QFont m_baseMono;
};

} // namespace Sockscope
