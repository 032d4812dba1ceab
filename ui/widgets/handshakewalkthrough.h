// Sockscope: a handshake walked through step by step, large, for a projector.
#pragma once

#include <walkthrough.h>

#include <QBasicTimer>
#include <QWidget>

namespace Sockscope {

/*
    A presentation of one handshake (walkthroughSteps()): one step fills the window in large
    type, highlighted lines on the palette's highlight colour. Right, Space or Page Down go to
    the next step; Left, Backspace or Page Up back; Home and End to the ends; P plays the steps
    on a timer (and stops); F or F11 toggles full screen; Ctrl+S exports a PNG per step,
    Ctrl+P one PDF of every step; Escape closes. Everything is also on the context menu.
*/
class HandshakeWalkthrough : public QWidget
{
    Q_OBJECT
public:
    explicit HandshakeWalkthrough(QWidget *parent = nullptr);

    void setSteps(const QList<WalkthroughStep> &steps);
    QList<WalkthroughStep> steps() const { return m_steps; }
    int count() const { return int(m_steps.size()); }
    int current() const { return m_current; }
    void setCurrent(int index);
    void next();
    void previous();

    bool isPlaying() const { return m_timer.isActive(); }
    void setPlaying(bool play);
    int interval() const { return m_interval; }
    void setInterval(int ms) { m_interval = ms; }

    // step-01.png, step-02.png, … at size in dir; false (and why in *error) on failure.
    bool exportPngs(const QString &dir, QSize size = QSize(1280, 720),
                    QString *error = nullptr) const;
    // One landscape page per step.
    bool exportPdf(const QString &path, QString *error = nullptr) const;
    // Draws one step in rect, as on screen: the same for the window, PNG and PDF.
    static void paintStep(QPainter *painter, const QRect &rect, const WalkthroughStep &step,
                          int index, int count, const QPalette &palette);

Q_SIGNALS:
    void currentChanged(int index);

protected:
    void paintEvent(QPaintEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void timerEvent(QTimerEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    void exportInteractive(bool pdf);

    QList<WalkthroughStep> m_steps;
    int m_current = 0;
    int m_interval = 4000;
    QBasicTimer m_timer;
};

} // namespace Sockscope
