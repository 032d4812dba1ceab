// Sockscope: a small line chart of events per second.
#pragma once

#include <QPointer>
#include <QWidget>

namespace Sockscope {

class EventRate;

class RateChart : public QWidget
{
    Q_OBJECT
public:
    explicit RateChart(EventRate *rate, QWidget *parent = nullptr);
    QSize sizeHint() const override { return { 240, 90 }; }
    QSize minimumSizeHint() const override { return { 120, 50 }; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QPointer<EventRate> m_rate;
};

} // namespace Sockscope
